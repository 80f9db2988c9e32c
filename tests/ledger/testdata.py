"""Where the shared test data lives: `../shared/testdata` beside the repository, or (for a
clone elsewhere on the same machine, as CI makes) the workplace's `/work/shared/testdata`.
``BAYFIN_SHARED_DIR`` overrides both. The data is read, never copied into the repository."""

from __future__ import annotations

import os
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]


def shared_testdata() -> Path:
    candidates = [Path(os.environ["BAYFIN_SHARED_DIR"])] if os.environ.get("BAYFIN_SHARED_DIR") else []
    candidates += [_REPO.parent / "shared", Path("/work/shared")]
    for base in candidates:
        if (base / "testdata").is_dir():
            return base / "testdata"
    return candidates[0] / "testdata"  # missing: the tests that need it fail and name this path
