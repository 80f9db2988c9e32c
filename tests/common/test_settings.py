"""Settings refuse to run in production mode with the public development secret key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BAYFIN_")}
    return subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.SECRET_KEY)"],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, check=False,
    )


def test_production_without_secret_key_refuses_to_start() -> None:
    result = _load_settings(BAYFIN_DEBUG="0")
    assert result.returncode != 0 and "BAYFIN_SECRET_KEY" in result.stderr


def test_production_uses_the_given_secret_key() -> None:
    result = _load_settings(BAYFIN_DEBUG="0", BAYFIN_SECRET_KEY="a-long-random-production-key")
    assert result.returncode == 0 and result.stdout.strip() == "a-long-random-production-key"


def test_development_keeps_working_without_a_key() -> None:
    result = _load_settings(BAYFIN_DEBUG="1")
    assert result.returncode == 0 and result.stdout.strip()
