"""The in-process product index: the engine's columnar ``ProductIndex`` built from the database,
kept per process and updated incrementally when products change.

Versioning: ``IndexState.version`` is bumped by every product change (``services.product_changed``),
which writes one ``IndexChange`` row per product whose index row may have moved (the product and
its institution's other products, whose sector focus it can change). ``current_index(kind)`` reads
the version (one query); a copy at that version is returned as is; a copy a few versions behind
applies the changes since its version with the engine's ``update_index``; a copy too far behind (or
none) is rebuilt. A change with product id 0 means "rebuild": a batch finished (new exposure counts
for the load part) or an institution changed.

Two copies are kept, one per query kind, because the load part reads the exposure of the previous
batch of the same kind (requests, or enterprise recommendations). The institutions' platform record
(the record part) is read when a copy is built.

Channel classes: a product's channel depends only on (institution jurisdiction, institution kind,
instrument, ticket currency); each distinct tuple is one class, and a query's ``channel_ok`` says,
per class, whether some active channel carries that money to it within the enterprise's limits
(``queries.channel_vector``).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Count, F, Max

from bayfin.common.money import CURRENCIES
from bayfin.common.vocab import (
    SECTORS,
    CertificationKind,
    Instrument,
    Jurisdiction,
    Qualification,
    Sector,
    Stage,
)
from bayfin.financing.models import Deal
from bayfin.financing.transitions import DEAL_FUNDED_STAGES, DEAL_TERMINAL_STAGES
from bayfin.institutions.models import Product, ProductStatus
from bayfin.scoring.engine.grades import GRADES

from .engine.focus import product_focus
from .engine.index import ProductIndex, build_index, update_index
from .engine.types import Codebook, ProductRow, RecordTable
from .models import BatchKind, BatchStatus, EmbeddingKind, IndexChange, IndexState, MatchBatch

# Beyond this many changed products, rebuilding is as cheap as updating.
MAX_INCREMENT = 2000
REBUILD = 0  # IndexChange.product_id meaning "rebuild every copy"
# Products the index holds: published ones (an expired one stays, so "why not" can say so).
INDEXED_STATUSES = (ProductStatus.PUBLISHED,)
# A deal that reached funding, or an outcome (funded or not), counts in the institution's record.
FUNDED_STAGES = frozenset(str(s) for s in DEAL_FUNDED_STAGES)
DECIDED_STAGES = frozenset(str(s) for s in (*DEAL_TERMINAL_STAGES, *DEAL_FUNDED_STAGES))
OTHER_STAGE_WEIGHT = 0.5


_codebook: Codebook | None = None


def codebook() -> Codebook:
    """The engine's code lists, from ``bayfin.common.vocab`` (and the scoring master scale)."""
    global _codebook
    if _codebook is None:
        sectors = tuple(str(s) for s in Sector.values)
        _codebook = Codebook(
            instruments=tuple(str(i) for i in Instrument.values),
            sectors=sectors,
            sector_family=tuple(str(SECTORS[s].family) for s in sectors),
            stages=tuple(str(s) for s in Stage.values),
            jurisdictions=tuple(str(j) for j in Jurisdiction.values),
            currencies=tuple(sorted(CURRENCIES)),
            certifications=tuple(str(c) for c in CertificationKind.values),
            qualifications=tuple(str(q) for q in Qualification.values),
            grades=tuple(GRADES),
        )
    return _codebook


@dataclass(frozen=True)
class ChannelClass:
    """What decides which channels can carry a product's money: the lender's place and kind, the
    instrument and the currency lent."""

    jurisdiction: str
    institution_kind: str
    instrument: str
    currency: str


@dataclass
class Snapshot:
    """One process's copy of the index for one query kind."""

    kind: str
    version: int
    index: ProductIndex
    classes: list[ChannelClass]  # position = ProductRow.channel_class
    class_of: dict[ChannelClass, int]
    product_ids: frozenset[int]
    stamps: dict[int, Any] = field(default_factory=dict)  # product id -> updated_at when read

    def __len__(self) -> int:
        return len(self.product_ids)

    def fingerprint(self) -> Fingerprint:
        return len(self.stamps), max(self.stamps.values(), default=None)


_lock = threading.Lock()
_cache: dict[str, Snapshot] = {}


def reset() -> None:
    """Forget every copy (tests, and a process that wants to start afresh)."""
    with _lock:
        _cache.clear()


def stored_version() -> int:
    state = IndexState.objects.filter(pk=1).values_list("version", flat=True).first()
    return int(state or 0)


def bump(product_ids: Iterable[int]) -> int:
    """Inside the caller's transaction: a new index version naming the products whose rows may have
    changed (``REBUILD`` for every one). Returns the new version."""
    ids = sorted({int(i) for i in product_ids})
    if not ids:
        return stored_version()
    state, _ = IndexState.objects.select_for_update().get_or_create(pk=1, defaults={"version": 0})
    IndexState.objects.filter(pk=1).update(version=F("version") + 1)
    version = int(state.version) + 1
    IndexChange.objects.bulk_create([IndexChange(version=version, product_id=i) for i in ids])
    return version


Fingerprint = tuple[int, Any]  # (published products, their latest updated_at)


def stored_fingerprint() -> Fingerprint:
    row = Product.objects.filter(status__in=INDEXED_STATUSES).aggregate(n=Count("pk"), latest=Max("updated_at"))
    return int(row["n"] or 0), row["latest"]


def current_index(kind: str = BatchKind.REQUESTS) -> Snapshot:
    """This process's copy for ``kind``, current with the stored version (two small queries when it is).

    Besides the version, the copy's products must agree with the table's (how many are published,
    and the latest ``updated_at`` among them): a write that bypassed the services (a bulk load, a
    shell, a test's factory, a rolled-back transaction whose version number came back) rebuilds the
    copy instead of serving a stale one."""
    version = stored_version()
    fingerprint = stored_fingerprint()
    with _lock:
        snap = _cache.get(kind)
        if snap is not None and snap.version == version and snap.fingerprint() == fingerprint:
            return snap
        fresh: Snapshot | None = None
        if snap is not None and version > snap.version:
            rows = list(IndexChange.objects.filter(version__gt=snap.version, version__lte=version)
                        .values_list("product_id", flat=True).distinct()[:MAX_INCREMENT + 1])
            if len(rows) <= MAX_INCREMENT and REBUILD not in rows:
                fresh = _update(snap, [int(r) for r in rows], version)
                if fresh.fingerprint() != fingerprint:
                    fresh = None  # changes this copy cannot know about: start again
        snap = fresh if fresh is not None else _build(kind, version)
        _cache[kind] = snap
        return snap


# --------------------------------------------------------------------------- building


def _products(ids: Iterable[int] | None = None) -> list[Product]:
    qs = (Product.objects.filter(status__in=INDEXED_STATUSES)
          .select_related("institution__organisation").order_by("pk"))
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return list(qs)


def _focus(institution_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """Each institution's sectors across its published products (the focus of a product open to all)."""
    out: dict[int, set[str]] = defaultdict(set)
    for inst, sectors in (Product.objects.filter(institution_id__in=list(set(institution_ids)),
                                                 status__in=INDEXED_STATUSES)
                          .values_list("institution_id", "sectors")):
        out[inst].update(str(s) for s in sectors or ())
    return {k: frozenset(v) for k, v in out.items()}


def _thesis_vectors(product_ids: Sequence[int]) -> dict[int, np.ndarray]:
    from .embeddings import vectors

    return vectors(EmbeddingKind.PRODUCT, product_ids)


def _class(product: Product, classes: list[ChannelClass], class_of: dict[ChannelClass, int]) -> int:
    key = ChannelClass(product.institution.organisation.jurisdiction, product.institution.kind,
                       product.instrument, product.ticket_currency)
    if key not in class_of:
        class_of[key] = len(classes)
        classes.append(key)
    return class_of[key]


def product_rows(products: Sequence[Product], classes: list[ChannelClass],
                 class_of: dict[ChannelClass, int]) -> list[ProductRow]:
    """The engine's rows of these products (new channel classes are appended to ``classes``)."""
    focus = _focus(p.institution_id for p in products)
    vectors = _thesis_vectors([p.pk for p in products])
    rows = []
    for p in products:
        own = frozenset(str(s) for s in p.sectors or ())
        rows.append(ProductRow(
            product_id=p.pk, institution_id=p.institution_id, instrument=p.instrument,
            sectors=own,
            focus_sectors=product_focus(own, focus.get(p.institution_id, ()), p.institution.kind),
            stages=frozenset(str(s) for s in p.stages or ()),
            jurisdictions=frozenset(str(j) for j in p.jurisdictions or ()),
            currency=p.ticket_currency, ticket_min=float(p.ticket_min), ticket_max=float(p.ticket_max),
            term_min=p.term_min_months, term_max=p.term_max_months,
            min_years=int(p.min_years_operating or 0),
            min_revenue=float(p.min_revenue_amount) if p.min_revenue_amount and p.min_revenue_currency else 0.0,
            min_revenue_currency=p.min_revenue_currency if p.min_revenue_amount else "",
            required_certifications=frozenset(str(c) for c in p.required_certifications or ()),
            required_qualifications=frozenset(str(q) for q in p.required_qualifications or ()),
            min_grade=p.min_credit_grade or "",
            active_from=p.active_from.toordinal(),
            active_until=p.active_until.toordinal() if p.active_until else None,
            channel_class=_class(p, classes, class_of),
            embedding=vectors.get(p.pk),
        ))
    return rows


def records(cb: Codebook | None = None) -> RecordTable:
    """Each institution's record with similar enterprises: deals funded (f) among deals decided (n),
    per the enterprise's sector and stage, a deal at another stage of the same sector counting half."""
    cb = cb or codebook()
    counts = (Deal.objects.filter(stage__in=DECIDED_STAGES)
              .values("institution_id", "request__enterprise__sector", "request__enterprise__stage", "stage")
              .annotate(n=Count("pk")))
    n_sec, n_stg = len(cb.sectors), len(cb.stages)
    per: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    funded_total = decided_total = 0
    for row in counts:
        inst = int(row["institution_id"])
        s = cb.index_of("sectors", row["request__enterprise__sector"] or "", unknown_ok=True)
        t = cb.index_of("stages", row["request__enterprise__stage"] or "", unknown_ok=True)
        k = int(row["n"])
        funded = row["stage"] in FUNDED_STAGES
        decided_total += k
        funded_total += k if funded else 0
        if s < 0 or t < 0:
            continue
        f, n = per.setdefault(inst, (np.zeros((n_sec, n_stg)), np.zeros((n_sec, n_stg))))
        # This deal counts fully at its own stage and half at every other stage of its sector.
        weight = np.full(n_stg, OTHER_STAGE_WEIGHT)
        weight[t] = 1.0
        n[s] += k * weight
        if funded:
            f[s] += k * weight
    if decided_total == 0:
        return RecordTable.empty(cb)
    ids = sorted(per)
    shape = (len(ids), n_sec, n_stg)
    f_all = np.stack([per[i][0] for i in ids]) if ids else np.zeros(shape)
    n_all = np.stack([per[i][1] for i in ids]) if ids else np.zeros(shape)
    return RecordTable(np.array(ids, dtype=np.int64), f_all, n_all, funded_total / decided_total)


def exposure(kind: str) -> dict[int, int]:
    """The appearances of each product in the top-5 lists of the last finished batch of ``kind``."""
    doc = (MatchBatch.objects.filter(kind=kind, status=BatchStatus.DONE)
           .order_by("-finished_at", "-pk").values_list("exposure", flat=True).first())
    return {int(k): int(v) for k, v in (doc or {}).items()}


def _build(kind: str, version: int) -> Snapshot:
    cb = codebook()
    classes: list[ChannelClass] = []
    class_of: dict[ChannelClass, int] = {}
    products = _products()
    rows = product_rows(products, classes, class_of)
    index = build_index(rows, cb, records=records(cb), exposure=exposure(kind), version=version)
    return Snapshot(kind, version, index, classes, class_of, frozenset(p.pk for p in products),
                    {p.pk: p.updated_at for p in products})


def _update(snap: Snapshot, changed: Sequence[int], version: int) -> Snapshot:
    classes, class_of = list(snap.classes), dict(snap.class_of)
    products = _products(changed)
    rows = product_rows(products, classes, class_of)
    present = {p.pk for p in products}
    remove = [i for i in changed if i not in present and i in snap.product_ids]
    index = update_index(snap.index, upsert=rows, remove=remove, version=version)
    ids = (snap.product_ids - set(remove)) | present
    stamps = {k: v for k, v in snap.stamps.items() if k not in set(remove) and k not in present}
    stamps.update({p.pk: p.updated_at for p in products})
    return Snapshot(snap.kind, version, index, classes, class_of, frozenset(ids), stamps)


def products_of_institution(institution_id: int) -> list[int]:
    return list(Product.objects.filter(institution_id=institution_id).values_list("pk", flat=True))


def describe(snap: Snapshot) -> Mapping[str, Any]:
    return {"kind": snap.kind, "version": snap.version, "products": len(snap), "channel_classes": len(snap.classes)}
