"""Synthetic SBA-like application columns, drawn the same way for the engine tests that need them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def draw_applications(rng: np.random.Generator, n: int, sectors: Sequence[str]) -> dict[str, np.ndarray]:
    """The application-time columns (``sba.APPLICATION_FEATURES``), in a fixed draw order, so a
    test that seeds ``rng`` the same way gets the same rows."""
    return {
        "naics_sector": rng.choice(list(sectors), size=n),
        "new_business": rng.choice(["existing", "new", "unknown"], size=n, p=[0.7, 0.28, 0.02]),
        "urban_rural": rng.choice(["urban", "rural", "undefined"], size=n, p=[0.6, 0.2, 0.2]),
        "rev_line_cr": rng.choice(["Y", "N", "unknown"], size=n, p=[0.3, 0.5, 0.2]),
        "low_doc": rng.choice(["Y", "N", "unknown"], size=n, p=[0.1, 0.88, 0.02]),
        "franchise": rng.choice(["yes", "no"], size=n, p=[0.1, 0.9]),
        "same_state": rng.choice(["yes", "no"], size=n, p=[0.7, 0.3]),
        "no_emp": rng.poisson(8, size=n),
        "create_job": rng.poisson(1, size=n),
        "retained_job": rng.poisson(3, size=n),
        "gross_approved": np.round(np.exp(rng.normal(11.5, 1.0, size=n)), 2),
        "sba_share": rng.uniform(0.3, 0.9, size=n),
    }
