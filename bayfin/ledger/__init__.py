"""The verifiable ledger (issue 5). ``tlog/`` is its pure core: no Django, no app."""
