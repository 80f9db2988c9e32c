"""Template helpers of the documents app: ``{% load documents %}``."""

from __future__ import annotations

from typing import Any

from django import template

from bayfin.common.errors import DomainError

from .. import selectors
from ..forms import UploadForm
from ..services import size_limit_text
from ..sniffing import label_for

register = template.Library()


@register.filter
def document_type(content_type: str) -> str:
    """The sniffed type's name ("PDF", "Word document")."""
    return label_for(content_type)


@register.filter
def deletable_by(document: Any, user: Any) -> bool:
    return selectors.deletable_by(user, document)


@register.inclusion_tag("documents/_deal_panel.html", takes_context=True)
def deal_documents(context: Any, deal: Any) -> dict[str, Any]:
    """The deal page's documents section: the deal's documents and, for its parties, an upload
    form. Renders nothing useful for anyone else (operators see that documents are private)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    try:
        documents = list(selectors.document_list_for_deal(user, deal))
    except DomainError:
        return {"request": request, "deal": deal, "documents": [], "form": None, "hidden": True}
    form = UploadForm(limit=size_limit_text(), prefix_id="deal_document")
    return {
        "request": request,
        "deal": deal,
        "documents": documents,
        "form": form,
        "hidden": False,
        "csrf_token": context.get("csrf_token"),
    }
