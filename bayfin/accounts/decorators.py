"""Page guards: the role check at the edge; selectors scope again behind it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from bayfin.common.errors import NotAuthenticated, NotFound, PermissionDenied


def role_required(*roles: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Anonymous users go to the sign-in page; other roles get 403.

    Inside the view, NotFound becomes 404 and PermissionDenied 403, so a view can let
    selector and service refusals through.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if roles and getattr(request.user, "role", None) not in roles:
                raise DjangoPermissionDenied
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                raise Http404 from None
            except (PermissionDenied, NotAuthenticated):
                raise DjangoPermissionDenied from None

        return wrapped

    return decorator
