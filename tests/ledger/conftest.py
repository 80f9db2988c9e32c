"""Fixtures for the ledger tests: key files in a temporary directory, never in the repository.

Every ledger test points BAYFIN_LEDGER_KEY_FILE and BAYFIN_LEDGER_WITNESS_KEY_FILE at files
under ``tmp_path`` that do not exist yet (autouse), so a developer's own ``var/ledger`` keys are
never read or signed with. ``ledger_keys`` creates the log's key there with
``keys.init_log_key()``, ``witness_key`` the witness key as well.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

ORIGIN = "ledger.test.bayfin.example"
WITNESS_NAME = "witness.test.bayfin.example"


@pytest.fixture(autouse=True)
def _ledger_key_files(settings: Any, tmp_path: Path) -> Path:
    directory = tmp_path / "ledger-keys"
    settings.BAYFIN_LEDGER_ORIGIN = ORIGIN
    settings.BAYFIN_LEDGER_KEY_FILE = str(directory / "log.key")
    settings.BAYFIN_LEDGER_WITNESS_KEY_FILE = str(directory / "witness.key")
    settings.BAYFIN_LEDGER_WITNESS_NAME = WITNESS_NAME
    return directory


@pytest.fixture
def ledger_keys(_ledger_key_files: Path) -> Any:
    """The log's signing key, created in tmp_path (no witness key)."""
    from bayfin.ledger import keys

    made = keys.init_log_key()
    assert made.created and made.path.parent == _ledger_key_files
    return made


@pytest.fixture
def witness_key(ledger_keys: Any) -> Any:
    """The witness key as well, created in tmp_path."""
    from bayfin.ledger import keys

    made = keys.init_witness_key(WITNESS_NAME)
    assert made is not None and made.created
    return made
