"""API token and invitation token primitives: random, shown once, stored as SHA-256."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "bf_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()
