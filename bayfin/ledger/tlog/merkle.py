"""RFC 9162 (section 2.1) Merkle tree hashing, inclusion and consistency proofs, and their
verification, hashed as RFC 6962 (Certificate Transparency) does.

Why the tree is stored as complete subtrees: a proof at a million entries must take well under a
millisecond, so it cannot rehash the leaves. Every node of the RFC tree is either a *complete*
subtree (2^k leaves starting at a multiple of 2^k, which never changes once its last leaf is
appended) or lies on the *right edge* of the tree (it contains the last leaf, and changes as the
log grows). We store the former, per level — level 0 holds the leaf hashes, level k index i holds
the hash of leaves [i·2^k, (i+1)·2^k) — and recompute the latter, which costs at most
log2(n) hashes. Roots and proofs for any past size come from the same store, because a complete
subtree inside a past tree is a complete subtree of today's tree too.

The algorithms read the store only through :class:`SubtreeStore` (one method,
``get(level, index) -> bytes``), so a database-backed store (one row per stored subtree hash, or
tiles of them) serves the same functions later: :func:`root_at`, :func:`inclusion_proof_at` and
:func:`consistency_proof_at` touch O(log n) stored hashes each. :class:`MemoryTree` is the
in-memory store, used in tests, by audits that rebuild a tree from the entries, and by the
integrator to compute what it will write.

The verifiers follow RFC 9162 sections 2.1.3.2 and 2.1.4.2 literally, with the checks before them
in the order the published proof vectors expect (see ``verify_inclusion`` and
``verify_consistency``); they raise :class:`ProofError` with a reason rather than returning a
bool, so a caller cannot forget to look at the answer and a rejection says why.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MemoryTree",
    "ProofError",
    "SubtreeStore",
    "consistency_proof_at",
    "inclusion_proof_at",
    "leaf_hash",
    "node_hash",
    "root_at",
    "root_of",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
"""Bytes in a SHA-256 hash; every hash a verifier accepts has exactly this length."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root of the empty tree: RFC 6962 defines it as the hash of the empty string."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


class ProofError(Exception):
    """A proof does not verify; ``reason`` says which check failed (shown to whoever is checking)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def leaf_hash(entry: bytes) -> bytes:
    """SHA-256(0x00 || entry): the prefix keeps a leaf from ever being mistaken for a node."""
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (n >= 2): where RFC 9162 splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash (MTH) of a list of leaf hashes, computed from scratch.

    Kept as the plain definition (recursive split at the largest power of two below n) so that
    audits and tests have a reference that shares nothing with the stored-subtree algorithms.
    """
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = _split(n)
    return node_hash(root_of(leaf_hashes[:k]), root_of(leaf_hashes[k:]))


class SubtreeStore(Protocol):
    """Where the hashes of complete subtrees live; all the proof algorithms need.

    ``get(level, index)`` returns the hash of leaves [index·2^level, (index+1)·2^level); it is
    only asked for subtrees that are complete in the tree being served. ``size`` is the number of
    leaves the store holds.
    """

    @property
    def size(self) -> int: ...

    def get(self, level: int, index: int) -> bytes: ...


def _range_hash(store: SubtreeStore, start: int, end: int) -> bytes:
    """The hash of the RFC 9162 subtree over leaves [start, end), ``end > start``.

    The subtrees a proof needs either are complete (one ``get``) or run to the right edge of the
    tree; for those the left part of each split is complete, so the walk goes down the right edge
    only: at most log2(n) reads and hashes.
    """
    width = end - start
    if width & (width - 1) == 0 and start % width == 0:
        return store.get(width.bit_length() - 1, start // width)
    k = _split(width)
    return node_hash(_range_hash(store, start, start + k), _range_hash(store, start + k, end))


def _check_size(store: SubtreeStore, size: int) -> None:
    if not 0 <= size <= store.size:
        raise ValueError(f"tree size {size} is outside 0..{store.size}")


def root_at(store: SubtreeStore, size: int) -> bytes:
    """The root of the tree made of the first ``size`` leaves of ``store``."""
    _check_size(store, size)
    if size == 0:
        return EMPTY_ROOT
    return _range_hash(store, 0, size)


def inclusion_proof_at(store: SubtreeStore, index: int, size: int) -> list[bytes]:
    """The RFC 9162 inclusion proof (PATH) of leaf ``index`` in the tree of ``size`` leaves.

    Walks from the root down to the leaf, taking at each split the sibling subtree; the proof
    lists them from the leaf up, hence the reversal.
    """
    _check_size(store, size)
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    siblings: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            siblings.append(_range_hash(store, start + k, end))
            end = start + k
        else:
            siblings.append(_range_hash(store, start, start + k))
            start += k
    siblings.reverse()
    return siblings


def consistency_proof_at(store: SubtreeStore, old_size: int, new_size: int) -> list[bytes]:
    """The RFC 9162 consistency proof (SUBPROOF) from ``old_size`` to ``new_size`` leaves.

    Empty when the sizes are equal or the old tree is empty (nothing to prove, as the RFC says).
    """
    _check_size(store, new_size)
    if not 0 <= old_size <= new_size:
        raise ValueError(f"old size {old_size} is outside 0..{new_size}")
    if old_size in (0, new_size):
        return []
    nodes: list[bytes] = []
    start, end, m = 0, new_size, old_size
    whole = True  # the RFC's b: the old tree is exactly the current subtree, so no node for it
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            nodes.append(_range_hash(store, start + k, end))
            end = start + k
        else:
            nodes.append(_range_hash(store, start, start + k))
            start += k
            m -= k
            whole = False
    if not whole:
        nodes.append(_range_hash(store, start, end))
    nodes.reverse()
    return nodes


class MemoryTree:
    """An append-only Merkle tree in memory, storing the hash of every complete subtree.

    ``levels[k][i]`` is the hash of leaves [i·2^k, (i+1)·2^k). Appending a leaf adds its hash to
    level 0 and then, while the last two hashes of a level pair up, their parent one level up: at
    most log2(n) hashes per leaf (one on average). It is a :class:`SubtreeStore`.
    """

    def __init__(self, leaf_hashes: Sequence[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        for h in leaf_hashes:
            self.append_leaf_hash(h)

    @classmethod
    def from_entries(cls, entries: Sequence[bytes]) -> MemoryTree:
        """A tree of the given entries (each hashed as a leaf)."""
        return cls([leaf_hash(e) for e in entries])

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def get(self, level: int, index: int) -> bytes:
        return self.levels[level][index]

    def append(self, entry: bytes) -> int:
        """Append an entry; returns its leaf index."""
        return self.append_leaf_hash(leaf_hash(entry))

    def append_leaf_hash(self, h: bytes) -> int:
        """Append an already computed leaf hash; returns its leaf index."""
        if len(h) != HASH_SIZE:
            raise ValueError(f"a leaf hash has {HASH_SIZE} bytes, not {len(h)}")
        levels = self.levels
        index = len(levels[0])
        levels[0].append(h)
        level = 0
        while len(levels[level]) % 2 == 0:
            row = levels[level]
            if level + 1 == len(levels):
                levels.append([])
            levels[level + 1].append(node_hash(row[-2], row[-1]))
            level += 1
        return index

    def root(self, size: int | None = None) -> bytes:
        """The root at ``size`` leaves (default: now); any past size works."""
        return root_at(self, self.size if size is None else size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The inclusion proof of leaf ``index`` in the tree at ``size`` (default: now)."""
        return inclusion_proof_at(self, index, self.size if size is None else size)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """The consistency proof from ``old_size`` to ``new_size`` (default: now)."""
        return consistency_proof_at(self, old_size, self.size if new_size is None else new_size)


def _check_hash(what: str, h: bytes) -> None:
    if len(h) != HASH_SIZE:
        raise ProofError(f"{what} has {len(h)} bytes, not {HASH_SIZE}")


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf`` (a leaf hash) is at ``index`` in the tree of ``size`` with ``root``.

    Policy, in order: an index at or beyond the size is rejected; any hash (leaf, root, proof)
    that is not 32 bytes is rejected; then RFC 9162 section 2.1.3.2, which also rejects a proof of
    the wrong length. Raises :class:`ProofError`; returns nothing when the proof holds.
    """
    if index < 0 or size < 0:
        raise ProofError("negative index or size")
    if index >= size:
        raise ProofError(f"leaf index {index} is not below the tree size {size}")
    _check_hash("leaf hash", leaf)
    _check_hash("root", root)
    for i, p in enumerate(proof):
        _check_hash(f"proof hash {i}", p)
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            raise ProofError("proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is shorter than the path to the root")
    if r != root:
        raise ProofError("the proof leads to a different root")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree of ``size1`` with ``root1`` is a prefix of the one of ``size2``/``root2``.

    Policy, in order: a proof from size 0 is rejected (even 0 to 0: it proves nothing); size2
    below size1 is rejected; equal sizes need an empty proof and equal roots (compared as bytes,
    whatever their length); otherwise an empty proof, and any hash that is not 32 bytes, are
    rejected; then RFC 9162 section 2.1.4.2. Raises :class:`ProofError`.
    """
    if size1 < 0 or size2 < 0:
        raise ProofError("negative tree size")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if size2 < size1:
        raise ProofError(f"size2 {size2} is below size1 {size1}")
    if size1 == size2:
        if proof:
            raise ProofError("equal sizes need an empty proof")
        if root1 != root2:
            raise ProofError("equal sizes but different roots")
        return
    if not proof:
        raise ProofError("empty proof between different sizes")
    _check_hash("root1", root1)
    _check_hash("root2", root2)
    for i, p in enumerate(proof):
        _check_hash(f"proof hash {i}", p)
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is shorter than the path to the root")
    if fr != root1:
        raise ProofError("the proof leads to a different root1")
    if sr != root2:
        raise ProofError("the proof leads to a different root2")
