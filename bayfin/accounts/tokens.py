"""API token and invitation token primitives: random, shown once, stored as SHA-256."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "bf_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def lookup_hash(raw: str | None) -> str | None:
    """The stored hash to find a raw token by, or None when it cannot be one of ours.

    Tokens are looked up by this SHA-256 (never compared raw), so timing reveals nothing
    about a stored token.
    """
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    return hash_token(raw)
