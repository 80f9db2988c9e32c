"""Signed notes: the C2SP worked example, round trips, and every refusal."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bayfin.ledger.tlog import note
from bayfin.ledger.tlog.note import NoteError
from tests.ledger.testdata import shared_testdata

DATA = shared_testdata() / "c2sp"
EXAMPLE_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
DASH = "\u2014"


@pytest.fixture(scope="module")
def example() -> str:
    return (DATA / "signed-note-example.note").read_bytes().decode("utf-8")


def test_example_data_file_names_the_same_key() -> None:
    assert EXAMPLE_VKEY in (DATA / "signed-note-example.txt").read_text().splitlines()


def test_worked_example_verifies(example: str) -> None:
    verifier = note.parse_verifier_key(EXAMPLE_VKEY)
    assert verifier.key_id.hex() == "530d903a"
    opened = note.open_note(example.encode("utf-8"), [verifier])
    assert opened.text == "This is an example message.\n"
    assert [s.name for s in opened.verified] == ["example.com/foo"]
    assert opened.unverified == ()


def test_worked_example_fails_after_a_change_to_the_text(example: str) -> None:
    verifier = note.parse_verifier_key(EXAMPLE_VKEY)
    with pytest.raises(NoteError, match="invalid signature"):
        note.open_note(example.replace("example message", "example messagE"), [verifier])


def test_worked_example_fails_after_a_change_to_the_name_in_the_note(example: str) -> None:
    verifier = note.parse_verifier_key(EXAMPLE_VKEY)
    changed = example.replace(f"{DASH} example.com/foo ", f"{DASH} example.com/fop ")
    with pytest.raises(NoteError, match="no signature from a known key"):
        note.open_note(changed, [verifier])


def test_worked_example_fails_with_a_key_of_another_name(example: str) -> None:
    # Same public key under another name: the key ID no longer matches that name.
    with pytest.raises(NoteError, match="key ID does not match"):
        note.parse_verifier_key(EXAMPLE_VKEY.replace("example.com/foo", "example.com/bar"))
    raw = base64.b64decode(EXAMPLE_VKEY.split("+", 2)[2])[1:]
    renamed = note.Ed25519Verifier("example.com/bar", raw)
    with pytest.raises(NoteError, match="no signature from a known key"):
        note.open_note(example, [renamed])


def test_worked_example_fails_with_another_key(example: str) -> None:
    other = Ed25519PrivateKey.generate()
    signer = note.Ed25519Signer("example.com/foo", other)
    # A different key under the same name and (forced) same ID: the signature must fail.
    forged = note.Ed25519Verifier("example.com/foo", signer.public_bytes())
    object.__setattr__(forged, "key_id", bytes.fromhex("530d903a"))
    with pytest.raises(NoteError, match="invalid signature"):
        note.open_note(example, [forged])
    # A different key with its own ID is simply unknown.
    with pytest.raises(NoteError, match="no signature from a known key"):
        note.open_note(example, [signer.verifier()])


def test_worked_example_fails_after_a_change_to_the_key_string() -> None:
    raw = bytearray(base64.b64decode(EXAMPLE_VKEY.split("+", 2)[2]))
    raw[5] ^= 0x01
    changed = "example.com/foo+530d903a+" + base64.b64encode(bytes(raw)).decode()
    with pytest.raises(NoteError, match="key ID does not match"):
        note.parse_verifier_key(changed)


@pytest.mark.parametrize("position", [0, 3, 4, 10, 67])
def test_worked_example_fails_after_a_change_to_the_signature(example: str, position: int) -> None:
    verifier = note.parse_verifier_key(EXAMPLE_VKEY)
    text, sigs = example.split(f"\n\n{DASH} example.com/foo ")
    raw = bytearray(base64.b64decode(sigs.strip()))
    raw[position] ^= 0x20
    changed = f"{text}\n\n{DASH} example.com/foo {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(NoteError):
        note.open_note(changed, [verifier])


def test_key_generation_and_parsing_round_trip() -> None:
    skey, vkey = note.generate_signer_key("bayfin.example/log")
    assert skey.startswith("PRIVATE+KEY+bayfin.example/log+")
    signer = note.parse_signer_key(skey)
    verifier = note.parse_verifier_key(vkey)
    assert signer.key_id == verifier.key_id
    assert signer.verifier() == verifier
    assert verifier.vkey() == vkey
    assert signer.skey() == skey
    assert vkey.split("+")[1] == verifier.key_id.hex()


def test_key_id_is_as_the_spec_computes_it() -> None:
    import hashlib

    pub = bytes(range(32))
    expected = hashlib.sha256(b"a.example/k\n\x01" + pub).digest()[:4]
    assert note.key_id("a.example/k", 0x01, pub) == expected
    assert note.key_id("a.example/k", 0x04, pub) != expected


def test_sign_and_open_round_trip() -> None:
    s1 = note.parse_signer_key(note.generate_signer_key("log.example/a")[0])
    s2 = note.parse_signer_key(note.generate_signer_key("log.example/b")[0])
    text = "hello\n\nwith an empty line inside\n"
    signed = note.sign(text, [s1, s2])
    assert signed.startswith(text + "\n" + DASH + " log.example/a ")
    opened = note.open_note(signed, [s1.verifier()])
    assert opened.text == text
    assert [s.name for s in opened.verified] == ["log.example/a"]
    assert [s.name for s in opened.unverified] == ["log.example/b"]
    both = note.open_note(signed, [s1.verifier(), s2.verifier()])
    assert len(both.verified) == 2 and both.unverified == ()


def _signer(name: str = "log.example/a") -> note.Ed25519Signer:
    return note.Ed25519Signer(name, Ed25519PrivateKey.generate())


# --- refusals when opening -------------------------------------------------------------


def test_refuses_without_a_known_signature() -> None:
    signed = note.sign("x\n", [_signer()])
    with pytest.raises(NoteError, match="no signature from a known key"):
        note.open_note(signed, [_signer().verifier()])
    with pytest.raises(NoteError, match="no signature from a known key"):
        note.open_note(signed, [])


def test_refuses_a_bad_signature_from_a_known_key_even_beside_a_good_one() -> None:
    a, b = _signer("a.example"), _signer("b.example")
    signed = note.sign("x\n", [a, b])
    forged = note.sign("y\n", [b]).split("\n\n")[1]
    tampered = note.sign("x\n", [a]) + forged
    assert note.open_note(signed, [a.verifier(), b.verifier()])
    with pytest.raises(NoteError, match="invalid signature from known key"):
        note.open_note(tampered, [a.verifier(), b.verifier()])


def test_same_name_other_id_is_ignored_not_refused() -> None:
    a, other = _signer("a.example"), _signer("a.example")
    signed = note.sign("x\n", [other, a])
    opened = note.open_note(signed, [a.verifier()])
    assert len(opened.verified) == 1 and len(opened.unverified) == 1


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("text without newline", "ends in a newline"),
        ("text\n", "no blank line"),
        ("text\n\n", "at least one signature"),
        ("text\n\nnot a signature\n", "em dash"),
        ("text\n\n- a.example AAAAAAA=\n", "em dash"),
        (f"text\n\n{DASH} a.example\n", "signature line is"),
        (f"text\n\n{DASH} a.example AAAA AAAA\n", "signature line is"),
        (f"text\n\n{DASH} a+b AAAAAAA=\n", "invalid key name"),
        (f"text\n\n{DASH}  AAAAAAA=\n", "invalid key name ''"),
        (f"text\n\n{DASH} a.example not*base64\n", "base64"),
        (f"text\n\n{DASH} a.example AAAAAAA\n", "base64"),
        (f"text\n\n{DASH} a.example AAAAAA==\n", "4-byte key ID"),
        (f"te\txt\n\n{DASH} a.example AAAAAAA=\n", "control character"),
        (f"text\r\n\n{DASH} a.example AAAAAAA=\n", "control character"),
    ],
)
def test_refuses_malformed_notes(bad: str, reason: str) -> None:
    with pytest.raises(NoteError, match=reason):
        note.open_note(bad, [_signer("a.example").verifier()])


def test_refuses_invalid_utf8() -> None:
    with pytest.raises(NoteError, match="UTF-8"):
        note.open_note(b"\xff\n\n" + f"{DASH} a.example AAAAAAA=\n".encode(), [])


def test_accepts_many_signatures_but_refuses_too_many() -> None:
    a = _signer("a.example")
    unknown = f"{DASH} z.example AAAAAAA=\n"
    signed = note.sign("x\n", [a])
    assert note.open_note(signed + unknown * 15, [a.verifier()])  # 16 must be accepted
    assert note.open_note(signed + unknown * (note.MAX_SIGNATURES - 1), [a.verifier()])
    with pytest.raises(NoteError, match="too many signatures"):
        note.open_note(signed + unknown * note.MAX_SIGNATURES, [a.verifier()])


# --- refusals when signing and reading keys --------------------------------------------


def test_sign_refuses_text_without_final_newline_or_signers() -> None:
    with pytest.raises(NoteError, match="end in a newline"):
        note.sign("x", [_signer()])
    with pytest.raises(NoteError, match="control character"):
        note.sign("x\x00\n", [_signer()])
    with pytest.raises(NoteError, match="at least one signer"):
        note.sign("x\n", [])


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\u00a0b", "a\nb", "a\u2003b"])
def test_refuses_malformed_key_names(name: str) -> None:
    with pytest.raises(NoteError, match="invalid key name"):
        note.Ed25519Signer(name, Ed25519PrivateKey.generate())
    with pytest.raises(NoteError):
        note.generate_signer_key(name)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _vkey_parts() -> tuple[str, str, bytes]:
    name, kid, b64 = EXAMPLE_VKEY.split("+", 2)
    return name, kid, base64.b64decode(b64)


@pytest.mark.parametrize(
    ("vkey", "reason"),
    [
        ("example.com/foo+530d903a", "key string is"),
        ("example.com/foo", "key string is"),
        ("example com+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "invalid key name"),
        ("example.com/foo+530d903+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "8 hexadecimal"),
        ("example.com/foo+530d903g+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "8 hexadecimal"),
        (
            "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
            "key ID does not",
        ),
        ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2", "base64"),
        ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv", "32 key bytes"),
    ],
)
def test_refuses_malformed_verifier_keys(vkey: str, reason: str) -> None:
    with pytest.raises(NoteError, match=reason):
        note.parse_verifier_key(vkey)


def test_refuses_a_verifier_key_of_another_algorithm() -> None:
    name, kid, raw = _vkey_parts()
    wrong = f"{name}+{kid}+{_b64(bytes([0x02]) + raw[1:])}"
    with pytest.raises(NoteError, match="wrong signature type 0x02"):
        note.parse_verifier_key(wrong)


def test_refuses_malformed_signer_keys() -> None:
    skey, _ = note.generate_signer_key("log.example/a")
    with pytest.raises(NoteError, match="PRIVATE\\+KEY"):
        note.parse_signer_key(skey[len("PRIVATE+KEY+") :])
    private, key, name, kid, b64 = skey.split("+", 4)
    prefix = f"{private}+{key}+{name}"
    other_kid = f"{int(kid, 16) ^ 1:08x}"
    with pytest.raises(NoteError, match="key ID does not match"):
        note.parse_signer_key(f"{prefix}+{other_kid}+{b64}")
    raw = base64.b64decode(b64)
    with pytest.raises(NoteError, match="wrong signature type"):
        note.parse_signer_key(f"{prefix}+{kid}+{_b64(bytes([0x04]) + raw[1:])}")
    with pytest.raises(NoteError, match="32 key bytes"):
        note.parse_signer_key(f"{prefix}+{kid}+{base64.b64encode(raw[:-1]).decode()}")
    with pytest.raises(NoteError, match="invalid key name"):
        note.parse_signer_key(skey.replace("log.example/a", "log example"))


def test_add_signature_lines_keeps_the_note_well_formed() -> None:
    a = _signer("a.example")
    signed = note.sign("x\n", [a])
    with pytest.raises(NoteError):
        note.add_signature_lines(signed, ["not a line\n"])
    extra = f"{DASH} z.example AAAAAAA=\n"
    assert note.add_signature_lines(signed, [extra]).endswith(extra)
