"""Reads about documents, scoped by who is asking. ``document_get_for`` is the one rule for
reading a document (its page, its bytes, its metadata in the API):

- members of the enterprise whose records hold it: yes;
- an institution's members: when the document belongs to a deal their institution is party
  to (as the deal's institution or its guarantor), uploaded in that deal or attached to one
  of its steps; otherwise only a data-room document under a live consent with the
  "documents" scope, and each such read is written to the enterprise's access log;
- operators and observers: no (private data), 403;
- anyone else, a deleted document, or an unknown id: NotFound.

The data room (what a consent shares) is what the enterprise itself uploaded outside any
deal: documents an enterprise uploaded in one deal's context, or an institution uploaded in
its deal, stay with that deal's parties.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from bayfin.accounts.models import OrganisationKind
from bayfin.accounts.selectors import require_member, require_signed_in
from bayfin.common.errors import DomainError, NotFound, PermissionDenied
from bayfin.consent import selectors as consent_selectors
from bayfin.consent import services as consent_services
from bayfin.consent.models import Scope
from bayfin.enterprises.models import Enterprise
from bayfin.financing.models import Deal, DealEvent

from .models import Document, DocumentKind

READ_KINDS = (OrganisationKind.ENTERPRISE, OrganisationKind.INSTITUTION)


def _documents() -> QuerySet[Document]:
    attached = DealEvent.documents.through.objects.filter(document_id=OuterRef("pk"))
    return (
        Document.objects.filter(deleted_at__isnull=True)
        .select_related("uploaded_by", "uploaded_by_organisation", "deal")
        .annotate(in_deal_record=Exists(attached))
    )


def _data_room(enterprise_id: int, organisation_id: int) -> Q:
    """The enterprise's own uploads outside any deal: what a "documents" consent shares."""
    return Q(
        enterprise_id=enterprise_id, deal__isnull=True, uploaded_by_organisation_id=organisation_id
    )


def _party_deals(institution_org_id: int) -> QuerySet[Deal]:
    return Deal.objects.filter(
        Q(institution__organisation_id=institution_org_id)
        | Q(guarantor__organisation_id=institution_org_id)
    )


def _of_deals(deals: Any) -> Q:
    """Documents uploaded in one of these deals or attached to one of their steps."""
    return Q(deal__in=deals) | Q(deal_events__deal__in=deals)


def _reader(user: Any) -> Any:
    """The reader's organisation (enterprise or institution); operators and observers are refused."""
    require_signed_in(user)
    org = user.organisation
    if org is None:
        raise NotFound(_("Not found."))
    if org.kind not in READ_KINDS:
        raise PermissionDenied(
            _("Documents are the enterprise's private data: your role cannot read them.")
        )
    return org


def document_list_own(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[Document]:
    """The enterprise's data room and what it uploaded in its deals, newest first.
    Filters: ``kind``, ``deal`` (a deal id)."""
    org = require_member(user, OrganisationKind.ENTERPRISE)
    qs = _documents().filter(enterprise__organisation=org, uploaded_by_organisation=org)
    f = filters or {}
    if f.get("kind") in DocumentKind.values:
        qs = qs.filter(kind=f["kind"])
    if f.get("deal"):
        qs = qs.filter(deal_id=f["deal"])
    return qs.order_by("-uploaded_at", "-pk")


def _deal_party(user: Any, deal: Deal) -> str | None:
    """'enterprise' or 'institution' (the institution or the guarantor) if the user is a party."""
    org = getattr(user, "organisation", None) if getattr(user, "is_authenticated", False) else None
    if org is None:
        return None
    if (
        org.kind == OrganisationKind.ENTERPRISE
        and deal.request.enterprise.organisation_id == org.pk
    ):
        return "enterprise"
    if org.kind == OrganisationKind.INSTITUTION:
        if deal.institution.organisation_id == org.pk:
            return "institution"
        if deal.guarantor is not None and deal.guarantor.organisation_id == org.pk:
            return "institution"
    return None


def document_list_for_deal(user: Any, deal: Deal | int) -> QuerySet[Document]:
    """A deal's documents (uploaded in it, or attached to one of its steps), for its parties.
    ``deal`` is a Deal the caller already read with ``financing.selectors.deal_get_for``, or an
    id. Operators and observers: PermissionDenied; anyone else: NotFound."""
    _reader(user)
    if not isinstance(deal, Deal):
        from bayfin.financing.selectors import deal_get_for

        deal = deal_get_for(user, deal)
    if _deal_party(user, deal) is None:
        raise NotFound(_("Not found."))
    return _documents().filter(_of_deals([deal.pk])).distinct().order_by("-uploaded_at", "-pk")


def _consent_grant(user: Any, enterprise: Enterprise) -> Any:
    """The live "documents" grant of this enterprise to the user's institution, or NotFound."""
    try:
        return consent_selectors.require_live_grant(user, enterprise, Scope.DOCUMENTS)
    except DomainError:
        raise NotFound(_("Not found.")) from None


def _access(user: Any, document_id: Any) -> tuple[Document, Any]:
    """(the document, the consent grant it is read under or None), or a refusal."""
    org = _reader(user)
    try:
        pk = int(document_id)
    except (TypeError, ValueError):
        raise NotFound(_("Not found.")) from None
    document = _documents().select_related("enterprise__organisation").filter(pk=pk).first()
    if document is None:
        raise NotFound(_("Not found."))
    if org.kind == OrganisationKind.ENTERPRISE:
        if document.enterprise.organisation_id == org.pk:
            return document, None
        raise NotFound(_("Not found."))
    # An institution: a party to the document's deal (its own or one it is attached to) ...
    if Document.objects.filter(pk=pk).filter(_of_deals(_party_deals(org.pk))).exists():
        return document, None
    # ... or a data-room document under a live consent.
    in_data_room = (
        document.deal_id is None
        and document.uploaded_by_organisation_id == document.enterprise.organisation_id
    )
    if not in_data_room:
        raise NotFound(_("Not found."))
    return document, _consent_grant(user, document.enterprise)


def document_get_for(user: Any, document_id: int, *, via: str = "page") -> Document:
    """One document this user may read, or a refusal (see the module's rule). A read under a
    consent is logged on the enterprise's access log, ``via`` "page" or "api"."""
    document, grant = _access(user, document_id)
    if grant is not None:
        consent_services.access_record(
            grant=grant,
            user=user,
            scope=Scope.DOCUMENTS.value,
            reference=f"documents.document:{document.pk}",
            via=via,
        )
    return document


def document_readable(user: Any, document_id: int) -> Document:
    """Like ``document_get_for`` without logging a read (for checks before a write)."""
    return _access(user, document_id)[0]


def document_list_shared(
    user: Any, enterprise_id: int, *, via: str = "page", filters: Mapping[str, Any] | None = None
) -> tuple[Enterprise, QuerySet[Document]]:
    """An enterprise's data room as an institution reads it under a live "documents" consent.
    The listing is itself a read: one access-log row (empty reference) per listing."""
    require_member(user, OrganisationKind.INSTITUTION)
    enterprise = Enterprise.objects.select_related("organisation").filter(pk=enterprise_id).first()
    if enterprise is None:
        raise NotFound(_("Not found."))
    grant = _consent_grant(user, enterprise)
    consent_services.access_record(
        grant=grant, user=user, scope=Scope.DOCUMENTS.value, reference="", via=via
    )
    qs = _documents().filter(_data_room(enterprise.pk, enterprise.organisation_id))
    f = filters or {}
    if f.get("kind") in DocumentKind.values:
        qs = qs.filter(kind=f["kind"])
    return enterprise, qs.order_by("-uploaded_at", "-pk")


def attachable_documents_for(user: Any, deal: Deal) -> QuerySet[Document]:
    """What this user may attach to a step of this deal: the enterprise, its data room and the
    deal's documents; an institution (or the guarantor), what its organisation uploaded in this
    deal. Nobody else: none."""
    side = _deal_party(user, deal)
    if side == "enterprise":
        enterprise = deal.request.enterprise
        qs = _documents().filter(
            _data_room(enterprise.pk, enterprise.organisation_id) | Q(deal=deal)
        )
    elif side == "institution":
        qs = _documents().filter(deal=deal, uploaded_by_organisation=user.organisation)
    else:
        return Document.objects.none()
    return qs.order_by("-uploaded_at", "-pk")


def deletable_by(user: Any, document: Document) -> bool:
    """Whether to offer the delete button (the service decides; a deal's record refuses)."""
    org = getattr(user, "organisation", None) if getattr(user, "is_authenticated", False) else None
    return (
        org is not None
        and document.uploaded_by_organisation_id == org.pk
        and document.deleted_at is None
    )
