"""RFC 9162 Merkle tree hashing and proofs, C2SP checkpoints, signed notes, cosignatures and
proofs: pure Python (the standard library and ``cryptography``), no Django, no app."""
