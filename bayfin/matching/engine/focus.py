"""The sector focus a product brings to the soft score's sector part.

A product that restricts its sectors is focused on them. A product open to every sector takes its
institution's focus (the sectors its other products restrict to) only when the institution is a
single-mandate investor, whose house style shows in every fund it runs (a seed plan of an IC and
AI venture house is an IC and AI plan). A bank, a guarantor or a lessor runs unrelated lines side
by side: its IoT IP-pledge loan says nothing about its e-commerce stock loan, so an open product of
theirs has no focus (the neutral sector part) rather than a false "sector matches".

Every place that builds a ``ProductRow`` (the platform's index, the scenario evaluation, the
synthetic market) calls ``product_focus``, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable

# Institution kinds (codes of bayfin.common.vocab.InstitutionKind) whose open products inherit the
# institution's sector focus.
FOCUS_INHERITING_KINDS: frozenset[str] = frozenset(
    {
        "venture_capital",
        "private_equity",
        "angel",
        "guidance_fund",
        "qflp_fund",
        "fund_management",
    }
)


def product_focus(
    own_sectors: Iterable[str], institution_sectors: Iterable[str], institution_kind: str
) -> frozenset[str]:
    """The focus sectors of a product: its own sectors if it restricts any; else, for an
    institution of a kind in FOCUS_INHERITING_KINDS, the sectors its institution's products
    restrict to (``institution_sectors``, may be empty); else none (empty: the neutral part)."""
    own = frozenset(own_sectors)
    if own:
        return own
    if institution_kind in FOCUS_INHERITING_KINDS:
        return frozenset(institution_sectors)
    return frozenset()
