"""Pages for the ledger: the public page (anyone, even signed out: verifying a receipt must
not need an account), a signed checkpoint as plain text (anyone), and the receipt download
(the parties to the entry and operators; others 404).

Thin views over ``selectors``; the receipt is the same file the API serves.
"""

from __future__ import annotations

import base64

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from bayfin.accounts.decorators import role_required
from bayfin.common.errors import NotFound

from . import selectors
from .api import MAX_SIZE, receipt_filename, receipt_response
from .receipt import FILE_SUFFIX
from .services import tree_size

CHECKPOINTS_SHOWN = 10


@require_GET
def public(request: HttpRequest) -> HttpResponse:
    """What a verifier needs: the origin, the keys to trust, the latest signed checkpoints."""
    keys = selectors.public_keys()
    rows = [{"checkpoint": c, "root": base64.b64encode(bytes(c.root_hash)).decode("ascii")}
            for c in selectors.checkpoints(limit=CHECKPOINTS_SHOWN)]
    return render(request, "ledger/public.html", {
        "keys": keys, "checkpoints": rows, "latest": rows[0] if rows else None, "log_size": tree_size(),
        "example_file": receipt_filename(41), "suffix": FILE_SUFFIX,
        "witness_name": settings.BAYFIN_LEDGER_WITNESS_NAME,
    })


@require_GET
def checkpoint(request: HttpRequest, size: int) -> HttpResponse:
    """One signed checkpoint, as the exact note text a verifier feeds ``bayfin-verify``."""
    if size > MAX_SIZE:
        raise Http404
    try:
        row = selectors.checkpoint_at(size)
    except NotFound:
        raise Http404 from None
    response = HttpResponse(row.note, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="bayfin-checkpoint-{row.size}.txt"'
    return response


@require_GET
@role_required()
def receipt(request: HttpRequest, index: int) -> HttpResponse:
    if index > MAX_SIZE:
        raise NotFound(_("No entry has that index."))
    return receipt_response(selectors.receipt_for(request.user, index), index)
