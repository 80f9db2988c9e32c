"""Quality of the ranking on labelled scenarios: precision@k and nDCG@k for the engine and two
baselines, per scenario category and overall.

A scenario is one request (a ``Query``) with the products a loan officer would consider right for
it, each with a grade (1 = acceptable, 2 = a first choice, 3 = the best there is). Three rankings
are compared on the same product index:

- ``engine``: the hard requirements, then the soft score with the given ``Weights``;
- ``filters``: the same hard requirements (``why_not`` is empty), then the ticket fit alone
  (log scale, as the engine's ticket part), ties by product id: what a plain eligibility search
  sorted by "closest ticket" would show;
- ``embeddings``: the cosine of the request's and the product's embeddings alone, over every product
  (no filters), products without a thesis last: what a pure semantic search would show.

Metrics (``k`` counted from 1; a ranking shorter than ``k`` simply has fewer hits):

- precision@k = (relevant products among the first k) / k. With fewer than k relevant products even
  a perfect ranking scores below 1, so ``ideal_precision`` reports that ceiling beside it.
- nDCG@k = DCG@k / IDCG@k with DCG@k = sum over ranks i <= k of (2^grade - 1) / log2(i + 1) and
  IDCG@k the same sum for the relevant products sorted by grade (the best possible ranking).

Pure: numpy and the engine's own types; no Django.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .index import ProductIndex
from .match import in_index, match_one, why_not
from .types import Query
from .weights import Weights

RUNS: tuple[str, ...] = ("engine", "filters", "embeddings")
OVERALL = "overall"


@dataclass(frozen=True)
class Scenario:
    """One labelled request: the query and the officer's graded relevance (product id -> grade >= 1)."""

    request_id: int
    query: Query
    relevance: Mapping[int, int]
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Miss:
    """A relevant product the engine did not put in its top ``k``: filtered out (``failures`` holds
    the failed requirements' codes) or ranked below k (``rank`` is its rank among the passing
    products, None when it fails a requirement)."""

    product_id: int
    grade: int
    failures: tuple[str, ...]
    rank: int | None


@dataclass(frozen=True)
class ScenarioResult:
    request_id: int
    tags: tuple[str, ...]
    relevance: Mapping[int, int]
    ranking: Mapping[str, tuple[int, ...]]  # run -> product ids, best first (at most k_ndcg)
    precision: Mapping[str, float]  # run -> precision@k_precision
    ndcg: Mapping[str, float]  # run -> nDCG@k_ndcg
    ideal_precision: float
    misses: tuple[Miss, ...]  # the engine's


@dataclass(frozen=True)
class CategoryRow:
    category: str  # OVERALL or a tag
    n: int
    precision: Mapping[str, float]  # run -> mean precision@k
    ndcg: Mapping[str, float]  # run -> mean nDCG@k
    ideal_precision: float


@dataclass(frozen=True)
class Evaluation:
    k_precision: int
    k_ndcg: int
    weights_version: str
    rows: tuple[CategoryRow, ...]  # overall first, then each tag (alphabetical)
    scenarios: tuple[ScenarioResult, ...]
    skipped: tuple[int, ...] = ()  # request ids with no relevant product (no metric is defined)
    inconsistencies: tuple[str, ...] = field(default=())  # engine ranking vs why_not disagreements


# --------------------------------------------------------------------------- metrics


def precision_at_k(ranked: Sequence[int], relevance: Mapping[int, int], k: int) -> float:
    """Relevant products among the first ``k`` of ``ranked``, divided by ``k``."""
    if k <= 0:
        raise ValueError("k must be at least 1")
    return sum(1 for pid in ranked[:k] if relevance.get(pid, 0) > 0) / k


def dcg_at_k(grades: Sequence[int], k: int) -> float:
    """Discounted cumulative gain of grades in rank order (rank 1 first), exponential gain."""
    return math.fsum((2.0**g - 1.0) / math.log2(i + 2) for i, g in enumerate(grades[:k]) if g > 0)


def ndcg_at_k(ranked: Sequence[int], relevance: Mapping[int, int], k: int) -> float:
    """DCG@k of ``ranked`` over the DCG@k of the ideal order; 0 when nothing is relevant."""
    if k <= 0:
        raise ValueError("k must be at least 1")
    ideal = dcg_at_k(sorted((g for g in relevance.values() if g > 0), reverse=True), k)
    if ideal == 0.0:
        return 0.0
    return dcg_at_k([relevance.get(pid, 0) for pid in ranked], k) / ideal


def ideal_precision_at_k(relevance: Mapping[int, int], k: int) -> float:
    """The best precision@k any ranking can reach: min(k, relevant products) / k."""
    return min(k, sum(1 for g in relevance.values() if g > 0)) / k


# --------------------------------------------------------------------------- rankings


def ticket_fit(amount: float, ticket_min: float, ticket_max: float) -> float:
    """How close ``amount`` is to the middle of [min, max] on a log scale, in [0, 1] (the engine's
    ticket part): lo = max(min, max / 1000, 1); 1 - |ln a - mid| / half, clipped."""
    lo = max(ticket_min, ticket_max / 1000.0, 1.0)
    hi = max(ticket_max, 1.0)
    mid = (math.log(lo) + math.log(hi)) / 2.0
    half = (math.log(hi) - math.log(lo)) / 2.0
    if half <= 0.0:
        return 1.0
    return min(1.0, max(0.0, 1.0 - abs(math.log(max(amount, 1.0)) - mid) / half))


def rank_engine(index: ProductIndex, q: Query, w: Weights, k: int) -> list[int]:
    return [e.candidate.product_id for e in match_one(index, q, w, k=k, explain=False)]


def passing(index: ProductIndex, q: Query) -> list[int]:
    """Every product that meets the query's hard requirements, by product id (``why_not`` empty)."""
    return [row.product_id for row in index.rows if not why_not(index, q, row.product_id)]


def rank_filters(index: ProductIndex, q: Query, k: int, neutral: float = 0.5) -> list[int]:
    """Baseline 1: the passing products by ticket fit (descending), ties by product id."""
    rows = {row.product_id: row for row in index.rows}

    def fit(pid: int) -> float:
        row = rows[pid]
        if q.amount is None:
            return neutral
        amount = q.amount.get(row.currency)
        return 0.0 if amount is None else ticket_fit(amount, row.ticket_min, row.ticket_max)

    return sorted(passing(index, q), key=lambda pid: (-round(fit(pid), 9), pid))[:k]


def rank_embeddings(index: ProductIndex, q: Query, k: int) -> list[int]:
    """Baseline 2: every product by the cosine of its thesis with the query (no filters), ties and
    products without a thesis by product id, after the others."""
    keyed: list[tuple[int, float, int]] = []
    for row in index.rows:
        if q.embedding is None or row.embedding is None:
            keyed.append((1, 0.0, row.product_id))
        else:
            cos = float(np.dot(q.embedding.astype(np.float64), row.embedding.astype(np.float64)))
            keyed.append((0, -round(cos, 9), row.product_id))
    keyed.sort()
    return [pid for _, _, pid in keyed[:k]]


# --------------------------------------------------------------------------- the run


def evaluate(
    index: ProductIndex,
    scenarios: Sequence[Scenario],
    w: Weights,
    *,
    k_precision: int = 5,
    k_ndcg: int = 10,
) -> Evaluation:
    """Rank every scenario three ways and average the metrics per tag and overall."""
    k = max(k_precision, k_ndcg)
    results: list[ScenarioResult] = []
    skipped: list[int] = []
    problems: list[str] = []
    for sc in scenarios:
        relevance = {int(p): int(g) for p, g in sc.relevance.items() if g > 0}
        if not relevance:
            skipped.append(sc.request_id)
            continue
        passed = passing(index, sc.query)
        engine_all = rank_engine(index, sc.query, w, len(index))
        if sorted(engine_all) != passed:
            problems.append(
                f"request {sc.request_id}: the engine returns {sorted(engine_all)} but why_not "
                f"passes {passed}"
            )
        rankings = {
            "engine": tuple(engine_all[:k]),
            "filters": tuple(rank_filters(index, sc.query, k, w.neutral)),
            "embeddings": tuple(rank_embeddings(index, sc.query, k)),
        }
        misses: list[Miss] = []
        for pid, grade in sorted(relevance.items()):
            if pid in rankings["engine"][:k_ndcg]:
                continue
            codes = (
                tuple(f.code for f in why_not(index, sc.query, pid))
                if in_index(index, pid)
                else ("unknown_product",)
            )
            rank = engine_all.index(pid) + 1 if pid in engine_all else None
            misses.append(Miss(pid, grade, codes, rank))
        results.append(
            ScenarioResult(
                request_id=sc.request_id,
                tags=tuple(sc.tags),
                relevance=relevance,
                ranking=rankings,
                precision={r: precision_at_k(rankings[r], relevance, k_precision) for r in RUNS},
                ndcg={r: ndcg_at_k(rankings[r], relevance, k_ndcg) for r in RUNS},
                ideal_precision=ideal_precision_at_k(relevance, k_precision),
                misses=tuple(misses),
            )
        )
    rows = [_row(OVERALL, results)]
    for tag in sorted({t for r in results for t in r.tags}):
        rows.append(_row(tag, [r for r in results if tag in r.tags]))
    return Evaluation(
        k_precision=k_precision,
        k_ndcg=k_ndcg,
        weights_version=w.version,
        rows=tuple(rows),
        scenarios=tuple(results),
        skipped=tuple(skipped),
        inconsistencies=tuple(problems),
    )


def _row(category: str, results: Sequence[ScenarioResult]) -> CategoryRow:
    n = len(results)

    def mean(values: list[float]) -> float:
        return math.fsum(values) / n if n else 0.0

    return CategoryRow(
        category=category,
        n=n,
        precision={run: mean([r.precision[run] for r in results]) for run in RUNS},
        ndcg={run: mean([r.ndcg[run] for r in results]) for run in RUNS},
        ideal_precision=mean([r.ideal_precision for r in results]),
    )
