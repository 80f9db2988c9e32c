"""The Merkle tree in the database: proofs over stored TreeNode rows, one query each, equal to
the in-memory tree's; a missing node is an error, never a guess."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from bayfin.ledger import store
from bayfin.ledger.models import TreeNode
from bayfin.ledger.tlog.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    consistency_proof_at,
    inclusion_proof_at,
    node_hash,
    root_at,
    verify_consistency,
    verify_inclusion,
)

pytestmark = pytest.mark.django_db

SIZE = 70  # crosses 64, so the right edge has a long left subtree and a ragged tail


def leaves(n: int) -> list[bytes]:
    return [hashlib.sha256(b"\x00" + i.to_bytes(4, "big")).digest() for i in range(n)]


def stored_tree(n: int = SIZE) -> MemoryTree:
    """Every complete subtree of an ``n``-leaf tree as TreeNode rows (no entries needed)."""
    tree = MemoryTree(leaves(n))
    TreeNode.objects.bulk_create(TreeNode(level=lv, position=pos, hash=h)
                                 for lv, row in enumerate(tree.levels) for pos, h in enumerate(row))
    return tree


def test_roots_at_every_size_take_one_query(django_assert_num_queries: Any) -> None:
    tree = stored_tree()
    for size in range(1, SIZE + 1):
        with django_assert_num_queries(1):
            assert store.prefetched(size, root_at, size) == tree.root(size)


def test_the_empty_tree_needs_no_query(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        assert store.prefetched(0, root_at, 0) == EMPTY_ROOT


@pytest.mark.parametrize("size", [1, 2, 3, 8, 13, 64, 65, SIZE])
def test_inclusion_proofs_equal_the_memory_trees_and_verify(size: int, django_assert_num_queries: Any) -> None:
    tree = stored_tree()
    for index in range(size):
        with django_assert_num_queries(0 if size == 1 else 1):  # a one-leaf tree's proof is empty
            proof = store.prefetched(size, inclusion_proof_at, index, size)
        assert proof == tree.inclusion_proof(index, size)
        verify_inclusion(tree.get(0, index), index, size, proof, tree.root(size))


def test_consistency_proofs_equal_the_memory_trees_and_verify(django_assert_num_queries: Any) -> None:
    tree = stored_tree()
    for new in (1, 2, 7, 8, 9, 33, 64, SIZE):
        for old in range(1, new + 1):
            queries = 0 if old == new else 1
            with django_assert_num_queries(queries):
                proof = store.prefetched(new, consistency_proof_at, old, new)
            assert proof == tree.consistency_proof(old, new)
            verify_consistency(old, new, proof, tree.root(old), tree.root(new))


def test_a_missing_node_is_an_error_not_a_guess() -> None:
    stored_tree()
    TreeNode.objects.filter(level=3, position=1).delete()
    with pytest.raises(LookupError, match="level 3, position 1"):
        store.prefetched(SIZE, inclusion_proof_at, 0, SIZE)
    assert store.prefetched(SIZE, inclusion_proof_at, 69, SIZE)  # a proof that does not read it


def test_fetch_nodes_returns_only_what_exists() -> None:
    tree = stored_tree(8)
    assert store.fetch_nodes([]) == {}
    assert store.fetch_nodes([(0, 3), (2, 1), (3, 0), (0, 8), (4, 0)]) == {
        (0, 3): tree.get(0, 3), (2, 1): tree.get(2, 1), (3, 0): tree.get(3, 0)}


@pytest.mark.parametrize(("size", "pairs"), [
    (0, []), (1, [(0, 0)]), (2, [(1, 0)]), (5, [(2, 0), (0, 4)]), (6, [(2, 0), (1, 2)]),
    (7, [(2, 0), (1, 2), (0, 6)]), (8, [(3, 0)]), (70, [(6, 0), (2, 16), (1, 34)]),
])
def test_frontier_pairs(size: int, pairs: list[tuple[int, int]]) -> None:
    assert store.frontier_pairs(size) == pairs


def test_the_frontier_folds_into_the_root() -> None:
    tree = MemoryTree(leaves(SIZE))
    for size in range(1, SIZE + 1):
        hashes = [tree.get(lv, pos) for lv, pos in store.frontier_pairs(size)]
        root = hashes[-1]
        for h in reversed(hashes[:-1]):
            root = node_hash(h, root)
        assert root == tree.root(size)


def test_dict_store_refuses_what_it_does_not_hold() -> None:
    held = store.DictStore(4, {(0, 0): bytes(32)})
    assert held.size == 4 and held.get(0, 0) == bytes(32)
    with pytest.raises(LookupError, match="level 1, position 0"):
        held.get(1, 0)
