"""C2SP checkpoints (c2sp.org/tlog-checkpoint): the note text a log signs for a tree head.

The body has one exact textual form per tree head, so that two parties who agree on
(origin, size, root) produce byte-identical bodies and the signatures carry over; parsing
therefore refuses everything ``format`` would not have produced (leading zeros, signs,
non-canonical base64, missing or empty lines).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from .note import NoteError

HASH_SIZE = 32

_DECIMAL = re.compile(r"0|[1-9][0-9]*")


class CheckpointError(NoteError):
    """A checkpoint body was refused; a ``NoteError`` too, so callers checking a signed
    checkpoint can catch one kind of error."""


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: the log's origin, its size and its RFC 6962 root hash, plus any
    extension lines (opaque, discouraged by the spec, kept so signatures still verify)."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise CheckpointError("the origin is one non-empty line")
        if any(ord(ch) < 0x20 for ch in self.origin):
            raise CheckpointError("the origin contains a control character")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise CheckpointError("the tree size is a non-negative integer")
        if len(self.root_hash) != HASH_SIZE:
            raise CheckpointError(f"the root hash is {HASH_SIZE} bytes")
        for line in self.extensions:
            if not line or "\n" in line or any(ord(ch) < 0x20 for ch in line):
                raise CheckpointError("extension lines are non-empty single lines")

    def format(self) -> str:
        """The note text to sign: origin, size, base64 root, extensions, each ending in a
        newline."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode("ascii")]
        return "".join(line + "\n" for line in (*lines, *self.extensions))

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Read a checkpoint body (the text of an opened note, never an unverified one)."""
        if not text.endswith("\n"):
            raise CheckpointError("a checkpoint body ends in a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError("a checkpoint has an origin, a size and a root hash line")
        origin, size_text, root_text, *extensions = lines
        if not origin:
            raise CheckpointError("the origin line is empty")
        if not _DECIMAL.fullmatch(size_text):
            raise CheckpointError("the tree size is a decimal number without leading zeros")
        try:
            root = base64.b64decode(root_text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
            raise CheckpointError("the root hash is not base64") from exc
        if base64.b64encode(root).decode("ascii") != root_text:
            raise CheckpointError("the root hash is not canonical base64")
        if len(root) != HASH_SIZE:
            raise CheckpointError(f"the root hash is {HASH_SIZE} bytes")
        for line in extensions:
            if not line:
                raise CheckpointError("extension lines must be non-empty")
        return cls(origin, int(size_text), root, tuple(extensions))
