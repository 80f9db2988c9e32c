"""The sci-tech evaluation engine: pure rules over plain data, no Django.

``facts`` is what the rules read (amounts already in RMB), ``results`` what they
return (codes and numbers; ``bayfin.evaluation.explain`` turns them into sentences in
the reader's language), ``rulesets`` the versioned rule sets, ``gaps`` the advice on the
smallest changes that would make an enterprise qualify, and ``rules`` the small safe
rule language of policy programmes.
"""
