"""Background matching jobs: load by id, call the service; idempotent (each replaces what it computes)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="bayfin.matching.tasks.refresh_request")
def refresh_request(request_id: int) -> int:
    """A request changed: its products again (none once it is closed); rows stored."""
    return services.request_matches_refresh(request_id=request_id)


@shared_task(name="bayfin.matching.tasks.refresh_enterprise")
def refresh_enterprise(enterprise_id: int) -> int:
    """An enterprise's data changed: its recommendations and its requests' products; rows stored."""
    return services.enterprise_refresh(enterprise_id=enterprise_id)


@shared_task(name="bayfin.matching.tasks.refresh_product")
def refresh_product(product_id: int) -> int:
    """A product changed: its thesis embedded, the requests it can move re-matched."""
    return services.product_matches_refresh(product_id=product_id)


@shared_task(name="bayfin.matching.tasks.refresh_requests")
def refresh_requests(request_ids: list[int]) -> int:
    """One chunk of the requests a product change can move."""
    return services.requests_refresh(request_ids=request_ids)


@shared_task(name="bayfin.matching.tasks.match_chunk")
def match_chunk(batch_id: int, ids: list[int]) -> int:
    """One chunk of a batch."""
    return services.batch_chunk(batch_id=batch_id, ids=ids)


@shared_task(name="bayfin.matching.tasks.match_all")
def match_all() -> int:
    """Nightly: every request and every enterprise (the date, the rates, the records and the
    exposure move); returns the queries matched."""
    return sum(b.queries for b in services.match_all())
