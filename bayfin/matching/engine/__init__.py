"""The matching engine (pure: numpy, no Django, no app import): products as columnar arrays, hard
requirements as boolean masks, the soft score as array arithmetic, top k with reasons as codes."""

from .embed import DIM, MODEL, Embedder, combine, get_embedder
from .explain import REQUIREMENTS, Failure, Reason
from .focus import FOCUS_INHERITING_KINDS, product_focus
from .index import ProductIndex, build_index, update_index
from .match import Candidate, Explanation, explain, match_batch, match_one, why_not
from .types import Codebook, ProductRow, Query, QueryBatch, RecordTable
from .weights import CURRENT, PARTS, WEIGHTS, Weights

__all__ = [
    "CURRENT",
    "DIM",
    "FOCUS_INHERITING_KINDS",
    "MODEL",
    "PARTS",
    "REQUIREMENTS",
    "WEIGHTS",
    "Candidate",
    "Codebook",
    "Embedder",
    "Explanation",
    "Failure",
    "ProductIndex",
    "ProductRow",
    "Query",
    "QueryBatch",
    "Reason",
    "RecordTable",
    "Weights",
    "build_index",
    "combine",
    "explain",
    "get_embedder",
    "match_batch",
    "match_one",
    "product_focus",
    "update_index",
    "why_not",
]
