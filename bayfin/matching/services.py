"""Every write of matching: embeddings, the stored matches, the batches, the index version.

Refresh on change: the financing, enterprises, institutions, evaluation and scoring services call
the ``*_on_commit`` helpers (and ``product_changed``) inside their transactions; once the change
commits, a task recomputes what it moved, in the background (in the same process when there is no
broker). A request's products are recomputed when the request changes; an enterprise's
recommendations and its requests' products when its profile, certifications, statements,
evaluation or credit score change; every open request that could take a product (or lists it
now) when the product is published, changed or archived. The nightly batch recomputes everything
(the date moves, and so do exchange rates, records and exposure).

A batch is one ``MatchBatch`` per kind (requests, enterprise recommendations), split into chunks of
ids; each chunk is one transaction (bulk delete and insert of its queries' matches, one audit
event), and the chunk that completes the batch computes the exposure counts (appearances in the
top-5 lists, which the next batch's load part reads) and how concentrated those lists are.

Embeddings are derived data, like a cache: they are stored without an audit event.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from bayfin.accounts.models import OrganisationStatus
from bayfin.common.audit import audit_record
from bayfin.enterprises.models import Enterprise
from bayfin.financing.models import FinancingRequest
from bayfin.financing.transitions import RequestStatus
from bayfin.institutions.models import Product

from . import index as ix
from .embeddings import sha256, stored_hashes, text_of, to_bytes
from .engine.embed import MODEL, THREADS, Embedder, get_embedder
from .engine.explain import Reason
from .engine.match import Explanation, explain, match_batch, match_one
from .engine.types import Query, QueryBatch
from .engine.weights import CURRENT, Weights
from .models import (
    BatchKind,
    BatchStatus,
    Embedding,
    EmbeddingKind,
    IndexChange,
    Match,
    MatchBatch,
    MatchKind,
)
from .queries import ChannelFit, Context, enterprise_queries, request_queries

log = logging.getLogger(__name__)

K = 20  # matches stored per request and recommendations per enterprise
TOP = CURRENT.load_top  # the top-N lists exposure and concentration count
CHUNK_SIZE = 500
EMBED_BATCH = 256
# Requests that get matches: the enterprise sees its draft's matches before submitting; institutions
# only ever see open and in-progress ones (selectors). Other statuses lose their matches.
MATCHED_REQUEST_STATUSES = (RequestStatus.DRAFT, RequestStatus.OPEN, RequestStatus.IN_PROGRESS)


def weights() -> Weights:
    return CURRENT


def _eager() -> bool:
    return bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False))


_embedders: dict[int, Embedder] = {}


def embedder() -> Embedder:
    """The process's embedder, with ``BAYFIN_MATCHING_EMBED_THREADS`` threads (loaded on first use)."""
    threads = int(getattr(settings, "BAYFIN_MATCHING_EMBED_THREADS", THREADS))
    if threads == THREADS:
        return get_embedder()
    if threads not in _embedders:
        _embedders[threads] = Embedder(threads=threads)
    return _embedders[threads]


# --------------------------------------------------------------------------- embeddings


def _store_embeddings(kind: str, items: Sequence[tuple[int, str]]) -> list[int]:
    """Embed the texts that changed since their stored vector (blank ones lose theirs); returns the
    ids embedded. The model loads only when some text needs it."""
    items = list(dict(items).items())  # one row per object (several requests share an enterprise)
    hashes = stored_hashes(kind, [i for i, _ in items])
    blank = [i for i, text in items if not text and i in hashes]
    todo = [(i, text) for i, text in items if text and hashes.get(i) != sha256(text)]
    if blank:
        Embedding.objects.filter(kind=kind, model=MODEL, object_id__in=blank).delete()
    for start in range(0, len(todo), EMBED_BATCH):
        part = todo[start:start + EMBED_BATCH]
        vecs = embedder().encode([t for _, t in part])
        now = timezone.now()
        Embedding.objects.bulk_create(
            [Embedding(kind=kind, object_id=i, model=MODEL, text_sha256=sha256(t), vector=to_bytes(v),
                       updated_at=now) for (i, t), v in zip(part, vecs, strict=True)],
            update_conflicts=True, unique_fields=["kind", "object_id", "model"],
            update_fields=["text_sha256", "vector", "updated_at"])
    return [i for i, _ in todo]


def embedding_refresh(kind: str, obj: Any) -> bool:
    """Store the embedding of ``obj``'s text if the text changed (or drop it when blank); True when
    a new vector was stored."""
    with transaction.atomic():
        return bool(_store_embeddings(kind, [(obj.pk, text_of(kind, obj))]))


_TEXT_FIELD: dict[str, str] = {EmbeddingKind.PRODUCT: "thesis", EmbeddingKind.ENTERPRISE: "description",
                               EmbeddingKind.REQUEST: "purpose"}


def _embed_all_of(kind: str, queryset: Any) -> int:
    done = 0
    rows = list(queryset.order_by("pk").values_list("pk", _TEXT_FIELD[kind]))
    for start in range(0, len(rows), 2000):
        with transaction.atomic():
            ids = _store_embeddings(kind, [(pk, (text or "").strip()) for pk, text in rows[start:start + 2000]])
            if ids and kind == EmbeddingKind.PRODUCT:
                ix.bump(ids)  # the index holds the products' vectors
        done += len(ids)
    return done


def embed_missing(*, kinds: Iterable[str] | None = None, force: bool = False) -> dict[str, int]:
    """Embed every text that has no vector for the current model or changed since (``force``: every
    text again): products, enterprises and the requests that get matches. Returns the count
    embedded per kind."""
    wanted = set(kinds or EmbeddingKind.values)
    if force:
        Embedding.objects.filter(model=MODEL, kind__in=list(wanted)).delete()
    out: dict[str, int] = {}
    if EmbeddingKind.PRODUCT in wanted:
        out[EmbeddingKind.PRODUCT] = _embed_all_of(EmbeddingKind.PRODUCT,
                                                   Product.objects.filter(status__in=ix.INDEXED_STATUSES))
    if EmbeddingKind.ENTERPRISE in wanted:
        out[EmbeddingKind.ENTERPRISE] = _embed_all_of(EmbeddingKind.ENTERPRISE, Enterprise.objects.all())
    if EmbeddingKind.REQUEST in wanted:
        out[EmbeddingKind.REQUEST] = _embed_all_of(
            EmbeddingKind.REQUEST, FinancingRequest.objects.filter(status__in=MATCHED_REQUEST_STATUSES))
    return out


# --------------------------------------------------------------------------- results as rows


def _reason_json(reason: Reason, fit: ChannelFit | None, snap: ix.Snapshot, borrower: str) -> dict[str, Any]:
    """A reason as stored: the channel's class (a position in this process's index) becomes the
    channel's code and the currencies lent and asked, which mean the same in every process."""
    params = dict(reason.params)
    if reason.code == "channel":
        c = int(params.pop("channel_class", -1))
        cls = snap.classes[c] if 0 <= c < len(snap.classes) else None
        params = {"channel": fit.channel[c] if fit is not None and 0 <= c < len(fit.channel) else "",
                  "lent": cls.currency if cls else "", "currency": borrower}
    return {"code": reason.code, "part": reason.part, "scope": reason.scope, "params": params}


def _rows(kind: str, query: Query, explanations: Sequence[Explanation], ctx: Context, *,
          request: FinancingRequest | None, batch_id: int | None, now: Any) -> list[Match]:
    fit = ctx.fits.get(query.query_id)
    w = weights()
    borrower = request.currency if request is not None else ""
    out = []
    for rank, e in enumerate(explanations, start=1):
        reasons = [_reason_json(r, fit, ctx.snap, borrower) for r in e.reasons]
        out.append(Match(kind=kind, request_id=request.pk if request is not None else None,
                         enterprise_id=query.enterprise_id, product_id=e.candidate.product_id, rank=rank,
                         score=float(e.candidate.score), parts={p: float(v) for p, v in e.candidate.parts.items()},
                         reasons=reasons, weights_version=w.version, batch_id=batch_id, computed_at=now))
    return out


def _listing(rows: Iterable[Match]) -> list[tuple[int, int]]:
    return [(m.product_id, m.rank) for m in rows]


# --------------------------------------------------------------------------- one request, one enterprise


def _request_scope(request_ids: Sequence[int]) -> Any:
    return Match.objects.filter(kind=MatchKind.REQUEST, request_id__in=list(request_ids))


def _enterprise_scope(enterprise_ids: Sequence[int]) -> Any:
    return Match.objects.filter(kind=MatchKind.ENTERPRISE, enterprise_id__in=list(enterprise_ids))


@transaction.atomic
def _replace_request(req: FinancingRequest, rows: list[Match]) -> int:
    FinancingRequest.objects.select_for_update().filter(pk=req.pk).values_list("pk", flat=True).first()
    before = _listing(_request_scope([req.pk]).order_by("rank"))
    _request_scope([req.pk]).delete()
    Match.objects.bulk_create(rows)
    after = _listing(rows)
    if before != after:
        audit_record(actor=None, action="matching.request_matches", subject=req,
                     organisation_id=req.enterprise.organisation_id,
                     new={"products": [p for p, _ in after], "weights_version": weights().version})
    return len(rows)


@transaction.atomic
def _replace_enterprise(enterprise: Enterprise, rows: list[Match]) -> int:
    Enterprise.objects.select_for_update().filter(pk=enterprise.pk).values_list("pk", flat=True).first()
    before = _listing(_enterprise_scope([enterprise.pk]).order_by("rank"))
    _enterprise_scope([enterprise.pk]).delete()
    Match.objects.bulk_create(rows)
    after = _listing(rows)
    if before != after:
        audit_record(actor=None, action="matching.enterprise_recommendations", subject=enterprise,
                     organisation_id=enterprise.organisation_id,
                     new={"products": [p for p, _ in after], "weights_version": weights().version})
    return len(rows)


def request_matches_refresh(*, request_id: int) -> int:
    """Recompute and store one request's top products (none when it no longer gets matches);
    returns the rows stored."""
    req = FinancingRequest.objects.select_related("enterprise__organisation").filter(pk=request_id).first()
    if req is None:
        return 0
    snap = ix.current_index(BatchKind.REQUESTS)
    if req.status not in MATCHED_REQUEST_STATUSES or not len(snap):
        return _replace_request(req, [])
    # The texts first, outside the write transaction (the model may have to load).
    embedding_refresh(EmbeddingKind.REQUEST, req)
    embedding_refresh(EmbeddingKind.ENTERPRISE, req.enterprise)
    ctx = Context(snap=snap)
    queries = request_queries(ctx, [req.pk])
    rows = _rows(MatchKind.REQUEST, queries[0], match_one(snap.index, queries[0], weights(), k=K), ctx,
                 request=req, batch_id=None, now=timezone.now()) if queries else []
    return _replace_request(req, rows)


def _recommended(enterprise: Enterprise) -> bool:
    return enterprise.organisation.status == OrganisationStatus.VERIFIED


def enterprise_recommendations_refresh(*, enterprise_id: int) -> int:
    """Recompute and store the products recommended to one enterprise without a request (verified
    enterprises only: institutions see these); returns the rows stored."""
    enterprise = Enterprise.objects.select_related("organisation").filter(pk=enterprise_id).first()
    if enterprise is None:
        return 0
    snap = ix.current_index(BatchKind.ENTERPRISES)
    if not _recommended(enterprise) or not len(snap):
        return _replace_enterprise(enterprise, [])
    embedding_refresh(EmbeddingKind.ENTERPRISE, enterprise)
    ctx = Context(snap=snap)
    queries = enterprise_queries(ctx, [enterprise.pk])
    rows = _rows(MatchKind.ENTERPRISE, queries[0], match_one(snap.index, queries[0], weights(), k=K), ctx,
                 request=None, batch_id=None, now=timezone.now()) if queries else []
    return _replace_enterprise(enterprise, rows)


def enterprise_refresh(*, enterprise_id: int) -> int:
    """An enterprise's data changed: its recommendations and its requests' matches; rows stored."""
    stored = enterprise_recommendations_refresh(enterprise_id=enterprise_id)
    for request_id in (FinancingRequest.objects.filter(enterprise_id=enterprise_id,
                                                       status__in=MATCHED_REQUEST_STATUSES)
                       .order_by("pk").values_list("pk", flat=True)):
        stored += request_matches_refresh(request_id=request_id)
    return stored


def requests_refresh(*, request_ids: Sequence[int]) -> int:
    """Several requests at once (after a product change): one index, one context; rows stored."""
    reqs = {r.pk: r for r in FinancingRequest.objects.select_related("enterprise__organisation")
            .filter(pk__in=list(request_ids))}
    if not reqs:
        return 0
    snap = ix.current_index(BatchKind.REQUESTS)
    live = [i for i in sorted(reqs) if reqs[i].status in MATCHED_REQUEST_STATUSES and len(snap)]
    stored = 0
    for i in sorted(set(reqs) - set(live)):
        stored += _replace_request(reqs[i], [])
    if not live:
        return stored
    with transaction.atomic():
        _store_embeddings(EmbeddingKind.REQUEST, [(i, text_of(EmbeddingKind.REQUEST, reqs[i])) for i in live])
        _store_embeddings(EmbeddingKind.ENTERPRISE, [(reqs[i].enterprise_id, text_of(
            EmbeddingKind.ENTERPRISE, reqs[i].enterprise)) for i in live])
    ctx = Context(snap=snap)
    now = timezone.now()
    for q in request_queries(ctx, live):
        stored += _replace_request(reqs[q.query_id], _rows(
            MatchKind.REQUEST, q, match_one(snap.index, q, weights(), k=K), ctx, request=reqs[q.query_id],
            batch_id=None, now=now))
    return stored


# --------------------------------------------------------------------------- products


def product_changed(*, product_id: int) -> int:
    """Called by the institutions services inside their transaction when a product is published,
    changed or archived: a new index version (the product and its institution's other products,
    whose sector focus it may change), and once the change commits, its thesis embedded and the
    requests it could move re-matched in the background. Returns the new version."""
    product = Product.objects.filter(pk=product_id).values("institution_id").first()
    ids = ix.products_of_institution(product["institution_id"]) if product else [product_id]
    version = ix.bump([product_id, *ids])
    from .tasks import refresh_product  # tasks import this module

    transaction.on_commit(lambda: refresh_product.delay(product_id), robust=True)
    return version


def institution_changed(*, institution_id: int) -> int:
    """An institution's jurisdiction or kind changed: its products' channel classes move."""
    ids = ix.products_of_institution(institution_id)
    if not ids:
        return ix.stored_version()
    version = ix.bump(ids)
    from .tasks import refresh_product

    def enqueue(product_id: int) -> Callable[[], None]:
        return lambda: refresh_product.delay(product_id)

    for product_id in ids:
        transaction.on_commit(enqueue(product_id), robust=True)
    return version


def affected_requests(product_ids: Sequence[int]) -> list[int]:
    """Requests a product change can move: those accepting one of the products' instruments, and
    those listing one of them now."""
    instruments = set(Product.objects.filter(pk__in=list(product_ids)).values_list("instrument", flat=True))
    out = set(Match.objects.filter(kind=MatchKind.REQUEST, product_id__in=list(product_ids))
              .values_list("request_id", flat=True))
    for pk, accepted in (FinancingRequest.objects.filter(status__in=MATCHED_REQUEST_STATUSES)
                         .values_list("pk", "instruments")):
        if instruments & set(accepted or ()):
            out.add(pk)
    return sorted(int(i) for i in out if i is not None)


def product_matches_refresh(*, product_id: int, chunk_size: int = CHUNK_SIZE) -> int:
    """After a product change committed: embed its thesis (a new vector is a new index version),
    then re-match the requests it can move, in chunks (here when there is no broker). Returns the
    rows stored here."""
    product = Product.objects.filter(pk=product_id).first()
    if product is not None and product.status in ix.INDEXED_STATUSES:
        with transaction.atomic():
            if _store_embeddings(EmbeddingKind.PRODUCT, [(product.pk, text_of(EmbeddingKind.PRODUCT, product))]):
                ix.bump([product.pk])
    from .tasks import refresh_requests

    ids = affected_requests([product_id])
    stored = 0
    for start in range(0, len(ids), max(1, chunk_size)):
        chunk = ids[start:start + chunk_size]
        if _eager():
            stored += requests_refresh(request_ids=chunk)
        else:
            refresh_requests.delay(chunk)
    return stored


# --------------------------------------------------------------------------- on commit


def request_matches_on_commit(request_id: int) -> None:
    """Called by the financing services inside their transaction: re-match the request once it commits."""
    from .tasks import refresh_request  # tasks import this module

    # robust: a failing refresh must not turn the committed save into an error (the nightly batch
    # catches up); it is logged.
    transaction.on_commit(lambda: refresh_request.delay(request_id), robust=True)


def enterprise_matches_on_commit(enterprise_id: int) -> None:
    """Called by the enterprises, evaluation and scoring services inside their transaction: the
    enterprise's recommendations and its requests' matches, once it commits."""
    from .tasks import refresh_enterprise

    transaction.on_commit(lambda: refresh_enterprise.delay(enterprise_id), robust=True)


# --------------------------------------------------------------------------- batches


def _batch_ids(kind: str) -> list[int]:
    if kind == BatchKind.REQUESTS:
        return list(FinancingRequest.objects.filter(status__in=MATCHED_REQUEST_STATUSES)
                    .order_by("pk").values_list("pk", flat=True))
    return list(Enterprise.objects.filter(organisation__status=OrganisationStatus.VERIFIED)
                .order_by("pk").values_list("pk", flat=True))


def batch_start(*, actor: Any = None, kind: str, chunk_size: int = CHUNK_SIZE) -> MatchBatch:
    """Match every request that gets matches (``requests``) or every verified enterprise
    (``enterprises``), in chunk tasks (here, one after the other, when there is no broker).
    Missing embeddings are made first. A batch of the same kind still running is marked failed."""
    from .tasks import match_chunk

    if kind not in BatchKind.values:
        raise ValueError(f"unknown batch kind {kind!r}")
    embed_missing(kinds=[EmbeddingKind.PRODUCT, EmbeddingKind.ENTERPRISE]
                  + ([EmbeddingKind.REQUEST] if kind == BatchKind.REQUESTS else []))
    snap = ix.current_index(kind)
    ids = _batch_ids(kind)
    size = max(1, int(chunk_size))
    chunks = [ids[i:i + size] for i in range(0, len(ids), size)]
    with transaction.atomic():
        MatchBatch.objects.filter(kind=kind, status=BatchStatus.RUNNING).update(
            status=BatchStatus.FAILED, finished_at=timezone.now())
        # The batch row is the record of the run; audit events are written only by the chunks that
        # change stored results (a second run that finds nothing new leaves no trace, like the
        # other nightly jobs).
        batch = MatchBatch.objects.create(
            kind=kind, weights_version=weights().version, index_version=snap.version, products=len(snap),
            queries=len(ids), chunks_total=len(chunks),
            started_by=actor if getattr(actor, "is_authenticated", False) else None)
        if not chunks:
            _finish(batch)
    for chunk in chunks:
        # Without a broker the chunks run here, calling the service (never waiting on a task's
        # result inside a task, which Celery refuses: the nightly job is itself a task).
        if _eager():
            batch_chunk(batch_id=batch.pk, ids=chunk)
        else:
            match_chunk.delay(batch.pk, chunk)
    batch.refresh_from_db()
    return batch


@transaction.atomic
def batch_chunk(*, batch_id: int, ids: Sequence[int]) -> int:
    """One chunk of a batch in one transaction: the queries of ``ids``, their top products with
    reasons, one bulk delete and one bulk insert, one audit event. The chunk that completes the
    batch finishes it. Returns the rows stored."""
    batch = MatchBatch.objects.get(pk=batch_id)
    kind = batch.kind
    snap = ix.current_index(kind)
    ctx = Context(snap=snap)
    now = timezone.now()
    rows: list[Match] = []
    if kind == BatchKind.REQUESTS:
        reqs = {r.pk: r for r in FinancingRequest.objects.filter(
            pk__in=list(ids), status__in=MATCHED_REQUEST_STATUSES)}
        list(FinancingRequest.objects.select_for_update().filter(pk__in=list(reqs)).values_list("pk", flat=True))
        queries = request_queries(ctx, sorted(reqs)) if len(snap) else []
        scope = _request_scope(list(ids))
        match_kind = MatchKind.REQUEST
    else:
        ents = set(Enterprise.objects.filter(pk__in=list(ids), organisation__status=OrganisationStatus.VERIFIED)
                   .values_list("pk", flat=True))
        queries = enterprise_queries(ctx, sorted(ents)) if len(snap) else []
        scope = _enterprise_scope(list(ids))
        match_kind = MatchKind.ENTERPRISE
        reqs = {}
    if queries:
        w = weights()
        qb = QueryBatch.from_queries(queries, snap.index.cb)
        top, _ = match_batch(snap.index, qb, w, k=K)
        for i, q in enumerate(queries):
            winners = [int(p) for p in top[i] if p >= 0]
            rows.extend(_rows(match_kind, q, explain(snap.index, q, winners, w), ctx,
                              request=reqs.get(q.query_id), batch_id=batch.pk, now=now))
    before = sorted(scope.values_list("request_id" if kind == BatchKind.REQUESTS else "enterprise_id",
                                      "product_id", "rank"))
    scope.delete()
    Match.objects.bulk_create(rows, batch_size=2000)
    after = sorted((m.request_id if kind == BatchKind.REQUESTS else m.enterprise_id, m.product_id, m.rank)
                   for m in rows)
    if before != after:
        audit_record(actor=None, action="matching.batch_chunk", subject=batch,
                     new={"kind": kind, "queries": len(queries), "rows": len(rows),
                          "ids": [min(ids), max(ids)] if ids else []})
    MatchBatch.objects.filter(pk=batch.pk).update(chunks_done=F("chunks_done") + 1)
    batch.refresh_from_db()
    if batch.status == BatchStatus.RUNNING and batch.chunks_done >= batch.chunks_total:
        _finish(batch)
    return len(rows)


def concentration(counts: Sequence[int], products: int) -> dict[str, Any]:
    """How concentrated the top lists are: the share of the slots held by the busiest 1 % and 10 %
    of the products (at least one product each), how many distinct products appear, and the Gini
    coefficient of the appearances over every product in the index (0 = even, 1 = one takes all)."""
    n = max(int(products), len(counts))
    slots = int(sum(counts))
    ordered = sorted((int(c) for c in counts), reverse=True) + [0] * (n - len(counts))

    def share(fraction: float) -> float:
        if not slots or not n:
            return 0.0
        return sum(ordered[:max(1, math.ceil(fraction * n))]) / slots

    gini = 0.0
    if slots and n:
        x = np.sort(np.array(ordered, dtype=np.float64))
        i = np.arange(1, n + 1, dtype=np.float64)
        gini = float(((2 * i - n - 1) * x).sum() / (n * x.sum()))
    return {"slots": slots, "products": n, "distinct_products": sum(1 for c in ordered if c > 0),
            "share_top_1pct": round(share(0.01), 6), "share_top_10pct": round(share(0.10), 6),
            "gini": round(gini, 6), "top": TOP}


def _finish(batch: MatchBatch) -> None:
    """Exposure (appearances in the top-5 lists now stored) and concentration; a new index version
    so every worker's load part reads this batch's exposure from now on."""
    kind = MatchKind.REQUEST if batch.kind == BatchKind.REQUESTS else MatchKind.ENTERPRISE
    counts = Counter(Match.objects.filter(kind=kind, rank__lte=TOP).values_list("product_id", flat=True))
    figures = concentration(list(counts.values()), batch.products)
    MatchBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.DONE, finished_at=timezone.now(),
        exposure={str(k): v for k, v in sorted(counts.items())}, concentration=figures)
    version = ix.bump([ix.REBUILD])
    # Every copy older than this version rebuilds (the marker says so): older changes are not needed.
    IndexChange.objects.filter(version__lt=version).delete()


def match_all(*, actor: Any = None, kinds: Sequence[str] = (BatchKind.REQUESTS, BatchKind.ENTERPRISES),
              chunk_size: int = CHUNK_SIZE) -> list[MatchBatch]:
    """The nightly run: one batch per kind."""
    return [batch_start(actor=actor, kind=k, chunk_size=chunk_size) for k in kinds]
