"""The Merkle core against the published RFC 6962 vectors, the 196 published proof cases, a
reference written straight from RFC 9162's recursive definitions, and hypothesis properties:
honest proofs verify, and any single-bit change that alters what is claimed is rejected."""

from __future__ import annotations

import base64
import json
import time
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bayfin.ledger.tlog.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    ProofError,
    consistency_proof_at,
    inclusion_proof_at,
    leaf_hash,
    node_hash,
    root_at,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from tests.ledger.testdata import shared_testdata

# --- RFC 6962 vectors ---------------------------------------------------------------------

RFC6962_LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]


def test_empty_root_is_the_hash_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert root_of([]) == EMPTY_ROOT
    assert MemoryTree().root() == EMPTY_ROOT


def test_leaf_hash_of_the_empty_string() -> None:
    assert (
        leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )


def test_node_hash_prefix() -> None:
    import hashlib

    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    assert node_hash(a, b) != node_hash(b, a)


def test_rfc6962_roots_at_size_8_and_7() -> None:
    tree = MemoryTree.from_entries(RFC6962_LEAVES)
    assert tree.root().hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    assert tree.root(7).hex() == "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"
    hashes = [leaf_hash(e) for e in RFC6962_LEAVES]
    assert root_of(hashes).hex() == tree.root().hex()


def test_roots_at_every_size_agree_with_root_of() -> None:
    hashes = [leaf_hash(e) for e in RFC6962_LEAVES]
    tree = MemoryTree(hashes)
    for n in range(0, 9):
        assert tree.root(n) == root_of(hashes[:n]), n
        assert MemoryTree(hashes[:n]).root() == root_of(hashes[:n]), n
    # The published intermediate roots (RFC 6962 test data, sizes 1..6).
    assert tree.root(1).hex().startswith("6e340b9c")
    assert tree.root(2).hex().startswith("fac54203")
    assert tree.root(3).hex().startswith("aeb6bcfe")
    assert tree.root(4).hex().startswith("d37ee418")
    assert tree.root(5).hex().startswith("4e3bbb1f")
    assert tree.root(6).hex().startswith("76e67dad")


# --- the published proof cases (transparency-dev/merkle) ----------------------------------

VECTORS = shared_testdata() / "rfc9162-proofs"
EXPECTED_CASES = 196


def _case_files() -> list[Path]:
    return sorted(VECTORS.glob("inclusion/**/*.json")) + sorted(
        VECTORS.glob("consistency/**/*.json")
    )


def _b64(s: str) -> bytes:
    return base64.b64decode(s, validate=True)


def _proof(case: dict[str, Any]) -> list[bytes]:
    return [_b64(p) for p in case["proof"] or []]


def test_the_proof_cases_are_all_there() -> None:
    assert VECTORS.is_dir(), f"missing test data: {VECTORS}"
    files = _case_files()
    assert len(files) >= EXPECTED_CASES, f"{len(files)} cases in {VECTORS}, expected 196"
    kinds = {f.relative_to(VECTORS).parts[0] for f in files}
    assert kinds == {"inclusion", "consistency"}


@pytest.mark.parametrize(
    "path", _case_files(), ids=lambda p: str(p.relative_to(VECTORS)).removesuffix(".json")
)
def test_published_proof_case(path: Path) -> None:
    case = json.loads(path.read_text())
    kind = path.relative_to(VECTORS).parts[0]
    if kind == "inclusion":

        def check() -> None:
            verify_inclusion(
                _b64(case["leafHash"]),
                case["leafIdx"],
                case["treeSize"],
                _proof(case),
                _b64(case["root"]),
            )

    else:

        def check() -> None:
            verify_consistency(
                case["size1"],
                case["size2"],
                _proof(case),
                _b64(case["root1"]),
                _b64(case["root2"]),
            )

    if case["wantErr"]:
        with pytest.raises(ProofError):
            check()
    else:
        check()


# --- a reference straight from RFC 9162 section 2.1 ---------------------------------------


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) exactly as RFC 9162 2.1.3.1 writes it."""
    n = len(d)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return ref_path(m, d[:k]) + [root_of(d[k:])]
    return ref_path(m - k, d[k:]) + [root_of(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) exactly as RFC 9162 2.1.4.1 writes it."""
    n = len(d)
    if m == n:
        return [] if b else [root_of(d)]
    k = _k(n)
    if m <= k:
        return ref_subproof(m, d[:k], b) + [root_of(d[k:])]
    return ref_subproof(m - k, d[k:], False) + [root_of(d[:k])]


def ref_proof(m: int, d: list[bytes]) -> list[bytes]:
    return [] if m in (0, len(d)) else ref_subproof(m, d, True)


def inclusion_shape(m: int, n: int) -> tuple[str, ...] | None:
    """Which side each sibling of PATH(m, n) sits on, leaf first; None when m is not a leaf.

    A verifier sees the index and size only through this: two claims with the same shape and the
    same hashes are indistinguishable, so a changed index or size must be rejected exactly when
    the shape changes.
    """
    return _path_shape(m, n) if 0 <= m < n else None


def _path_shape(m: int, n: int) -> tuple[str, ...]:
    if n == 1:
        return ()
    k = _k(n)
    if m < k:
        return (*_path_shape(m, k), "R")
    return (*_path_shape(m - k, n - k), "L")


def consistency_shape(m: int, n: int, b: bool = True) -> tuple[str, ...]:
    """The same for SUBPROOF(m, n): 'old' where the proof carries the old subtree itself."""
    if m == n:
        return () if b else ("old",)
    k = _k(n)
    if m <= k:
        return (*consistency_shape(m, k, b), "R")
    return (*consistency_shape(m - k, n - k, False), "L")


MAX = 300


@cache
def big_tree() -> tuple[MemoryTree, list[bytes]]:
    hashes = [leaf_hash(i.to_bytes(4, "big")) for i in range(MAX)]
    return MemoryTree(hashes), hashes


def test_proofs_equal_the_reference_for_every_small_tree() -> None:
    tree, hashes = big_tree()
    for n in range(1, 40):
        assert tree.root(n) == root_of(hashes[:n])
        for m in range(n):
            assert tree.inclusion_proof(m, n) == ref_path(m, hashes[:n]), (m, n)
        for m in range(0, n + 1):
            assert tree.consistency_proof(m, n) == ref_proof(m, hashes[:n]), (m, n)


def test_store_functions_read_any_store() -> None:
    tree, _ = big_tree()
    assert root_at(tree, 77) == tree.root(77)
    assert inclusion_proof_at(tree, 5, 77) == tree.inclusion_proof(5, 77)
    assert consistency_proof_at(tree, 5, 77) == tree.consistency_proof(5, 77)


def test_out_of_range_requests_are_refused() -> None:
    tree = MemoryTree.from_entries([b"a", b"b", b"c"])
    with pytest.raises(ValueError):
        tree.root(4)
    with pytest.raises(ValueError):
        tree.inclusion_proof(3, 3)
    with pytest.raises(ValueError):
        tree.inclusion_proof(0, 4)
    with pytest.raises(ValueError):
        tree.consistency_proof(3, 2)
    with pytest.raises(ValueError):
        tree.append_leaf_hash(b"short")


def test_append_returns_the_index_and_keeps_complete_subtrees() -> None:
    tree = MemoryTree()
    assert [tree.append(bytes([i])) for i in range(6)] == list(range(6))
    assert [len(level) for level in tree.levels] == [6, 3, 1]
    assert tree.get(2, 0) == root_of([leaf_hash(bytes([i])) for i in range(4)])


# --- properties ---------------------------------------------------------------------------


def _flip(h: bytes, bit: int) -> bytes:
    b = bytearray(h)
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b)


def _rejects(check: Any) -> bool:
    try:
        check()
    except ProofError:
        return True
    return False


sizes = st.integers(min_value=1, max_value=MAX)


@st.composite
def index_and_size(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(sizes)
    return draw(st.integers(0, n - 1)), n


@st.composite
def two_sizes(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(sizes)
    return draw(st.integers(1, n)), n


@given(index_and_size())
def test_every_inclusion_proof_verifies(mn: tuple[int, int]) -> None:
    m, n = mn
    tree, hashes = big_tree()
    verify_inclusion(hashes[m], m, n, tree.inclusion_proof(m, n), tree.root(n))


@given(two_sizes())
def test_every_consistency_proof_verifies(mn: tuple[int, int]) -> None:
    m, n = mn
    tree, _ = big_tree()
    verify_consistency(m, n, tree.consistency_proof(m, n), tree.root(m), tree.root(n))


@given(index_and_size(), st.data())
def test_inclusion_single_bit_flips(mn: tuple[int, int], data: st.DataObject) -> None:
    m, n = mn
    tree, hashes = big_tree()
    proof, root, leaf = tree.inclusion_proof(m, n), tree.root(n), hashes[m]
    what = data.draw(st.sampled_from(["proof", "root", "leaf", "index", "size"]))
    if what == "proof":
        if not proof:  # a one-leaf tree has no proof hash to change
            return
        i = data.draw(st.integers(0, len(proof) - 1))
        proof[i] = _flip(proof[i], data.draw(st.integers(0, 255)))
        assert _rejects(lambda: verify_inclusion(leaf, m, n, proof, root))
    elif what == "root":
        bad = _flip(root, data.draw(st.integers(0, 255)))
        assert _rejects(lambda: verify_inclusion(leaf, m, n, proof, bad))
    elif what == "leaf":
        bad = _flip(leaf, data.draw(st.integers(0, 255)))
        assert _rejects(lambda: verify_inclusion(bad, m, n, proof, root))
    else:
        bit = data.draw(st.integers(0, 9))
        m2, n2 = (m ^ (1 << bit), n) if what == "index" else (m, n ^ (1 << bit))
        # Meaningful when it changes what the verifier can see: the shape of the path.
        meaningful = inclusion_shape(m2, n2) != inclusion_shape(m, n)
        assert _rejects(lambda: verify_inclusion(leaf, m2, n2, proof, root)) == meaningful


@given(two_sizes(), st.data())
def test_consistency_single_bit_flips(mn: tuple[int, int], data: st.DataObject) -> None:
    m, n = mn
    tree, _ = big_tree()
    proof, root1, root2 = tree.consistency_proof(m, n), tree.root(m), tree.root(n)
    what = data.draw(st.sampled_from(["proof", "root1", "root2", "size1", "size2"]))
    if what == "proof":
        if not proof:  # equal sizes: nothing to change
            return
        i = data.draw(st.integers(0, len(proof) - 1))
        proof[i] = _flip(proof[i], data.draw(st.integers(0, 255)))
        assert _rejects(lambda: verify_consistency(m, n, proof, root1, root2))
    elif what == "root1":
        bad = _flip(root1, data.draw(st.integers(0, 255)))
        assert _rejects(lambda: verify_consistency(m, n, proof, bad, root2))
    elif what == "root2":
        bad = _flip(root2, data.draw(st.integers(0, 255)))
        assert _rejects(lambda: verify_consistency(m, n, proof, root1, bad))
    else:
        bit = data.draw(st.integers(0, 9))
        m2, n2 = (m ^ (1 << bit), n) if what == "size1" else (m, n ^ (1 << bit))
        if m2 == 0 or n2 < m2 or (m2 == n2) != (m == n):
            meaningful = True  # refused by policy, or the proof's emptiness no longer fits
        else:
            meaningful = consistency_shape(m2, n2) != consistency_shape(m, n)
        assert _rejects(lambda: verify_consistency(m2, n2, proof, root1, root2)) == meaningful


def test_every_bit_of_a_proof_matters() -> None:
    tree, hashes = big_tree()
    m, n = 5, 13
    proof, root = tree.inclusion_proof(m, n), tree.root(n)
    for i in range(len(proof)):
        for bit in range(256):
            bad = list(proof)
            bad[i] = _flip(bad[i], bit)
            assert _rejects(lambda bad=bad: verify_inclusion(hashes[m], m, n, bad, root))
    cproof = tree.consistency_proof(6, n)
    for i in range(len(cproof)):
        for bit in range(256):
            bad = list(cproof)
            bad[i] = _flip(bad[i], bit)
            assert _rejects(lambda bad=bad: verify_consistency(6, n, bad, tree.root(6), root))


def test_a_proof_with_an_extra_or_missing_hash_is_refused() -> None:
    tree, hashes = big_tree()
    proof, root = tree.inclusion_proof(5, 13), tree.root(13)
    with pytest.raises(ProofError):
        verify_inclusion(hashes[5], 5, 13, [*proof, proof[0]], root)
    with pytest.raises(ProofError):
        verify_inclusion(hashes[5], 5, 13, proof[:-1], root)
    cproof = tree.consistency_proof(6, 13)
    with pytest.raises(ProofError):
        verify_consistency(6, 13, [*cproof, cproof[0]], tree.root(6), root)
    with pytest.raises(ProofError):
        verify_consistency(6, 13, cproof[:-1], tree.root(6), root)


def test_hashes_of_the_wrong_length_are_refused_for_their_length() -> None:
    """The policy refuses them before any hashing, even where the roots would happen to match."""
    tree, hashes = big_tree()
    odd = b"x" * 31
    with pytest.raises(ProofError, match="leaf hash has 31 bytes"):
        verify_inclusion(odd, 0, 1, [], odd)
    with pytest.raises(ProofError, match="root has 33 bytes"):
        verify_inclusion(hashes[0], 0, 1, [], hashes[0] + b"\0")
    proof = tree.inclusion_proof(5, 13)
    with pytest.raises(ProofError, match="proof hash 1 has 33 bytes"):
        verify_inclusion(hashes[5], 5, 13, [proof[0], proof[1] + b"\0", *proof[2:]], tree.root(13))
    cproof = tree.consistency_proof(6, 13)
    with pytest.raises(ProofError, match="proof hash 0 has 31 bytes"):
        verify_consistency(6, 13, [cproof[0][:31], *cproof[1:]], tree.root(6), tree.root(13))
    with pytest.raises(ProofError, match="root1 has 31 bytes"):
        verify_consistency(6, 13, cproof, tree.root(6)[:31], tree.root(13))
    # Equal sizes compare the roots as bytes, whatever their length (the published policy).
    verify_consistency(4, 4, [], odd, odd)


@settings(max_examples=50)
@given(sizes, st.data())
def test_past_sizes_give_the_proofs_of_a_fresh_tree(n: int, data: st.DataObject) -> None:
    tree, hashes = big_tree()
    fresh = MemoryTree(hashes[:n])
    assert fresh.root() == tree.root(n)
    m = data.draw(st.integers(0, n - 1))
    assert fresh.inclusion_proof(m) == tree.inclusion_proof(m, n)
    old = data.draw(st.integers(0, n))
    assert fresh.consistency_proof(old) == tree.consistency_proof(old, n)
    assert fresh.root(old) == tree.root(old)


# --- scale sanity (the 1M benchmark lives in benchmarks/) ---------------------------------


def test_a_100k_tree_builds_and_proves_quickly() -> None:
    n = 100_000
    hashes = [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    tree = MemoryTree(hashes)
    assert tree.size == n
    assert tree.root() == root_of(hashes)
    started = time.perf_counter()
    for m, size in [(0, n), (n - 1, n), (54_321, n), (12_345, 99_999), (99_990, 99_991)]:
        verify_inclusion(hashes[m], m, size, tree.inclusion_proof(m, size), tree.root(size))
    for old, new in [(1, n), (n - 1, n), (65_536, n), (77_777, 99_999), (3, 5)]:
        proof = tree.consistency_proof(old, new)
        verify_consistency(old, new, proof, tree.root(old), tree.root(new))
    # Ten proofs with their roots and verification: generous bound, not a benchmark.
    assert time.perf_counter() - started < 0.5
