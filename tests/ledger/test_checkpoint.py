"""Checkpoint bodies: one text per tree head, and nothing else accepted."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bayfin.ledger.tlog import note
from bayfin.ledger.tlog.checkpoint import Checkpoint, CheckpointError

# The tlog-checkpoint specification's example body.
SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
ROOT = base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")


def test_spec_example_parses_and_formats_back() -> None:
    cp = Checkpoint.parse(SPEC_BODY)
    assert cp == Checkpoint("example.com/behind-the-sofa", 20852163, ROOT)
    assert cp.format() == SPEC_BODY


@pytest.mark.parametrize("size", [0, 1, 7, 2**63 - 1, 10**30])
@pytest.mark.parametrize("extensions", [(), ("ext one",), ("a", "b b")])
def test_round_trip(size: int, extensions: tuple[str, ...]) -> None:
    cp = Checkpoint("log.example/x", size, bytes(range(32)), extensions)
    text = cp.format()
    assert text.endswith("\n")
    assert Checkpoint.parse(text) == cp
    assert text.splitlines()[1] == str(size)


def test_empty_tree_size_is_zero() -> None:
    assert Checkpoint.parse(SPEC_BODY.replace("20852163", "0")).size == 0


def test_a_signed_checkpoint_opens_and_parses() -> None:
    signer = note.Ed25519Signer("example.com/behind-the-sofa", Ed25519PrivateKey.generate())
    signed = note.sign(SPEC_BODY, [signer])
    opened = note.open_note(signed, [signer.verifier()])
    assert Checkpoint.parse(opened.text).size == 20852163


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (SPEC_BODY.replace("20852163", "020852163"), "leading zeros"),
        (SPEC_BODY.replace("20852163", "00"), "leading zeros"),
        (SPEC_BODY.replace("20852163", "+20852163"), "decimal"),
        (SPEC_BODY.replace("20852163", "-1"), "decimal"),
        (SPEC_BODY.replace("20852163", "0x13e2"), "decimal"),
        (SPEC_BODY.replace("20852163", "2085 2163"), "decimal"),
        (SPEC_BODY.replace("20852163", "\u0662\u0660"), "decimal"),  # Arabic-Indic digits
        (SPEC_BODY.replace("20852163", ""), "decimal"),
        (SPEC_BODY.replace("20852163", "1e3"), "decimal"),
        (SPEC_BODY.replace("CsUYap", "CsUY*p"), "base64"),
        (SPEC_BODY.replace("2I=", "2I"), "base64"),
        (SPEC_BODY.replace("2I=", "2J="), "canonical"),
        (SPEC_BODY.replace("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=", "AAAA"), "32 bytes"),
        (
            SPEC_BODY.replace(
                "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=", base64.b64encode(bytes(33)).decode()
            ),
            "32 bytes",
        ),
        (SPEC_BODY.replace("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=", ""), "base64|32 bytes"),
        (SPEC_BODY[:-1], "ends in a newline"),
        ("example.com/behind-the-sofa\n20852163\n", "origin, a size and a root"),
        ("example.com/behind-the-sofa\n", "origin, a size and a root"),
        ("", "ends in a newline"),
        ("\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "origin line is empty"),
        (SPEC_BODY + "\n", "extension lines must be non-empty"),
        (SPEC_BODY + "ext\n\nmore\n", "extension lines must be non-empty"),
        (SPEC_BODY.replace("sofa\n", "sofa\r\n"), "control character"),
    ],
)
def test_refuses_malformed_bodies(body: str, reason: str) -> None:
    with pytest.raises(CheckpointError, match=reason):
        Checkpoint.parse(body)


def test_checkpoint_errors_are_note_errors() -> None:
    with pytest.raises(note.NoteError):
        Checkpoint.parse("x\n")


@pytest.mark.parametrize(
    ("origin", "size", "root", "ext"),
    [
        ("", 1, bytes(32), ()),
        ("a\nb", 1, bytes(32), ()),
        ("a", -1, bytes(32), ()),
        ("a", True, bytes(32), ()),
        ("a", 1, bytes(31), ()),
        ("a", 1, bytes(32), ("",)),
        ("a", 1, bytes(32), ("x\ny",)),
    ],
)
def test_constructor_refuses_what_could_not_be_formatted(
    origin: str, size: int, root: bytes, ext: tuple[str, ...]
) -> None:
    with pytest.raises(CheckpointError):
        Checkpoint(origin, size, root, ext)
