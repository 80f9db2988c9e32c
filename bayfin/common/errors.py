"""Domain errors raised by services and selectors.

Pages turn them into form errors and messages; the API turns them into
``{"code", "message", "fields"}`` with the status below. Messages are lazy
translations so they reach the user in the user's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: Any = "", *, fields: Mapping[str, Any] | None = None,
                 code: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.fields: dict[str, list[Any]] = {}
        for name, errors in (fields or {}).items():
            self.fields[name] = list(errors) if isinstance(errors, (list, tuple)) else [errors]
        if code:
            self.code = code

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": str(self.message),
            "fields": {k: [str(e) for e in v] for k, v in self.fields.items()},
        }


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"


class NotFound(DomainError):
    """Also raised for objects that exist but belong to someone else, so existence does not leak."""

    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"


class Conflict(DomainError):
    """The object changed under the caller (state moved on, a concurrent update won)."""

    status = 409
    code = "conflict"


class InvalidTransition(DomainError):
    status = 409
    code = "invalid_transition"
