"""The REST API under /api/v1/: each app's router, one auth, one error format.

Every error is ``{"code", "message", "fields"}``. The OpenAPI document is at
/api/v1/openapi.json and the interactive docs at /api/v1/docs, served from the
files django-ninja ships (no CDN).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from bayfin.accounts.api import router as accounts_router
from bayfin.common.errors import DomainError, NotAuthenticated, NotFound, PermissionDenied
from bayfin.consent.api import router as consent_router
from bayfin.documents.api import router as documents_router
from bayfin.enterprises.api import router as enterprises_router
from bayfin.evaluation.api import router as evaluation_router
from bayfin.financing.api import router as financing_router
from bayfin.fx.api import router as fx_router
from bayfin.institutions.api import router as institutions_router
from bayfin.ledger.api import router as ledger_router
from bayfin.matching.api import router as matching_router
from bayfin.notifications.api import router as notifications_router
from bayfin.scoring.api import router as scoring_router

from .auth import session_auth, token_auth

api = NinjaAPI(
    title="BayFin API",
    version="1",
    description="The Greater Bay Area Sci-Tech Finance Services Platform. Authenticate with "
    "`Authorization: Bearer <token>` (create a token on the API tokens page) or a signed-in session.",
    auth=[token_auth, session_auth],
    urls_namespace="api",
)


def error_response(request: HttpRequest, status: int, code: str, message: str,
                   fields: dict[str, list[str]] | None = None) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "fields": fields or {}},
                               status=status)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    body = exc.as_dict()
    return error_response(request, exc.status, body["code"], body["message"], body["fields"])


def _field_name(loc: list[Any]) -> str:
    # Drop the "body"/"query"/"path" part and the payload parameter's name.
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "form", "header", "cookie", "file"}:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in {"payload", "data", "filters"}:
        parts = parts[1:]
    return ".".join(parts) or "__all__"


_PYDANTIC_MESSAGES = {
    "missing": lambda: _("This field is required."),
    "int_parsing": lambda: _("Enter a whole number."),
    "int_type": lambda: _("Enter a whole number."),
    "string_type": lambda: _("Enter text."),
    "bool_parsing": lambda: _("Enter true or false."),
    "date_from_datetime_parsing": lambda: _("Enter a valid date (YYYY-MM-DD)."),
    "date_parsing": lambda: _("Enter a valid date (YYYY-MM-DD)."),
    "date_type": lambda: _("Enter a valid date (YYYY-MM-DD)."),
    "enum": lambda: _("Select a valid choice."),
    "literal_error": lambda: _("Select a valid choice."),
    "list_type": lambda: _("Enter a list."),
    "greater_than_equal": lambda: _("The value is too small."),
    "less_than_equal": lambda: _("The value is too large."),
    "string_too_long": lambda: _("The text is too long."),
    "string_too_short": lambda: _("The text is too short."),
    "extra_forbidden": lambda: _("Unknown field."),
}


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        maker = _PYDANTIC_MESSAGES.get(err.get("type", ""))
        message = maker() if maker else str(err.get("msg", _("Invalid value.")))
        fields.setdefault(_field_name(list(err.get("loc", []))), []).append(message)
    return error_response(request, 422, "validation_failed", _("Some fields are not valid."), fields)


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(request, 413, "body_too_large", _("The request body is too large."))


# Refusals raised by django-ninja and Django answer like the domain's own (same codes).
@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _domain_error(request, NotAuthenticated(_("Authentication required.")))


@api.exception_handler(AuthorizationError)
def _forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return _domain_error(request, PermissionDenied(_("You do not have permission to do this.")))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _domain_error(request, NotFound(_("Not found.")))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        # django-ninja raises HttpError(400) when the body cannot be parsed.
        return error_response(request, 400, "malformed_body", _("The request body is not valid JSON."))
    return error_response(request, exc.status_code, "error", str(exc))


api.add_router("/accounts/", accounts_router)
api.add_router("/enterprises/", enterprises_router)
api.add_router("/institutions/", institutions_router)
api.add_router("/financing/", financing_router)
api.add_router("/fx/", fx_router)
api.add_router("/evaluations/", evaluation_router)
api.add_router("/scoring/", scoring_router)
# At the root: /requests/{id}/matches, /products/{id}/matches, /matching/... (see bayfin.matching.api).
api.add_router("/", matching_router)
api.add_router("/ledger/", ledger_router)
api.add_router("/consent/", consent_router)
api.add_router("/documents/", documents_router)
api.add_router("/notifications/", notifications_router)
