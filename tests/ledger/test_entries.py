"""Ledger entries: RFC 8785 canonical JSON with the version 1 schema, no floats anywhere,
amounts as decimal strings, UTC times; parse_entry accepts only what build_entry writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from bayfin.ledger.entries import MAX_SAFE_INTEGER, build_entry, canonical_json, parse_entry

AT = datetime(2025, 1, 31, 9, 30, 0, 123456, tzinfo=UTC)
HASH = "ab" * 32
PARTIES = [
    {"role": "enterprise", "registration_number": "91440300MA5F00000X"},
    {"role": "institution", "registration_number": "MO-12345"},
]


def _entry(**overrides: Any) -> bytes:
    kwargs: dict[str, Any] = {
        "kind": "deal.stage_changed",
        "subject_type": "deal",
        "subject_id": "42",
        "parties": PARTIES,
        "at": AT,
        "data": {"from": "offer", "to": "signed"},
        "documents": [HASH],
        "amounts": [(Decimal("1000.00"), "CNY")],
    }
    kwargs.update(overrides)
    return build_entry(**kwargs)


def test_the_exact_bytes() -> None:
    assert _entry() == (
        b'{"amounts":[{"amount":"1000.00","currency":"CNY"}],'
        b'"at":"2025-01-31T09:30:00.123456Z",'
        b'"data":{"from":"offer","to":"signed"},'
        b'"documents":[{"sha256":"' + HASH.encode() + b'"}],'
        b'"parties":[{"registration_number":"91440300MA5F00000X","role":"enterprise"},'
        b'{"registration_number":"MO-12345","role":"institution"}],'
        b'"subject":{"id":"42","type":"deal"},'
        b'"type":"deal.stage_changed","v":1}'
    )


def test_is_rfc8785_canonical_and_round_trips() -> None:
    body = _entry()
    assert rfc8785.dumps(json.loads(body)) == body
    entry = parse_entry(body)
    assert entry == {
        "v": 1,
        "type": "deal.stage_changed",
        "subject": {"type": "deal", "id": "42"},
        "parties": PARTIES,
        "at": "2025-01-31T09:30:00.123456Z",
        "documents": [{"sha256": HASH}],
        "amounts": [{"amount": "1000.00", "currency": "CNY"}],
        "data": {"from": "offer", "to": "signed"},
    }


def test_keys_are_ordered_by_utf16_code_units_at_every_depth() -> None:
    # U+1F600 (a surrogate pair, 0xD83D...) sorts before U+FB01 in UTF-16, after it in code points.
    data = {"z": 1, "a": {"b": 2, "a": 1}, "\ufb01": 3, "\U0001f600": 4, "B": 5, "": 6}
    body = _entry(data=data)
    text = body.decode()
    inner = text[text.index('"data":') + 7 :]
    assert inner.startswith('{"":6,"B":5,"a":{"a":1,"b":2},"z":1,"\U0001f600":4,"\ufb01":3}')
    assert parse_entry(body)["data"] == data
    # The keyword order of the call does not matter, nor the order of the dict.
    assert _entry(data=dict(reversed(list(data.items())))) == body


def test_unicode_is_written_as_utf8_not_escaped() -> None:
    body = _entry(subject_id="合同-7", data={"note": "澳門 café \u2028 \x7f", "ctl": "\x01\n"})
    assert "合同-7".encode() in body
    assert "澳門 café \u2028 \x7f".encode() in body
    assert b'"ctl":"\\u0001\\n"' in body
    assert parse_entry(body)["subject"]["id"] == "合同-7"


def test_none_data_is_an_empty_object() -> None:
    assert parse_entry(_entry(data=None))["data"] == {}
    assert _entry(data=None) == _entry(data={})


def test_time_is_utc_with_microseconds() -> None:
    macau = timezone(timedelta(hours=8))
    local = datetime(2025, 1, 31, 17, 30, 0, 123456, tzinfo=macau)
    assert _entry(at=local) == _entry()
    whole = parse_entry(_entry(at=datetime(2025, 1, 1, tzinfo=UTC)))
    assert whole["at"] == "2025-01-01T00:00:00.000000Z"
    old = parse_entry(_entry(at=datetime(999, 1, 1, tzinfo=UTC)))
    assert old["at"] == "0999-01-01T00:00:00.000000Z"


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="at: a naive datetime"):
        _entry(at=datetime(2025, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="at: a datetime"):
        _entry(at="2025-01-01T00:00:00Z")


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("1000.00"), "1000.00"),
        (Decimal("1E+3"), "1000"),
        (Decimal("0.10"), "0.10"),
        (Decimal("-5.5"), "-5.5"),
        (Decimal("-0.00"), "0.00"),
        (Decimal("1E-8"), "0.00000001"),
        (Decimal("12345678901234567890.12"), "12345678901234567890.12"),
    ],
)
def test_amounts_are_decimal_strings(amount: Decimal, text: str) -> None:
    body = _entry(amounts=[(amount, "MOP")])
    assert f'"amount":"{text}"'.encode() in body
    assert parse_entry(body)["amounts"] == [{"amount": text, "currency": "MOP"}]


def test_amounts_are_never_json_numbers() -> None:
    entry = json.loads(_entry(amounts=[(Decimal("1"), "CNY"), (Decimal("2.50"), "HKD")]))
    assert all(isinstance(a["amount"], str) for a in entry["amounts"])


@pytest.mark.parametrize(
    ("amounts", "reason"),
    [
        ([(1000, "CNY")], r"amounts\[0\].amount: an amount is a Decimal, not int"),
        ([(1000.0, "CNY")], r"amounts\[0\].amount: an amount is a Decimal, not float"),
        ([("1000.00", "CNY")], r"amounts\[0\].amount: an amount is a Decimal, not str"),
        ([(Decimal("NaN"), "CNY")], r"amounts\[0\].amount: not a finite"),
        ([(Decimal("Infinity"), "CNY")], r"amounts\[0\].amount: not a finite"),
        ([(Decimal("1"), "cny")], r"amounts\[0\].currency"),
        ([(Decimal("1"), "CNYX")], r"amounts\[0\].currency"),
        ([(Decimal("1"),)], r"amounts\[0\]: an \(amount, currency\) pair"),
        ([(Decimal("1"), "CNY"), Decimal("2")], r"amounts\[1\]: an \(amount, currency\) pair"),
        ("1000", "amounts: a list"),
    ],
)
def test_bad_amounts_are_refused(amounts: Any, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        _entry(amounts=amounts)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"rate": 0.5}, "data.rate"),
        ({"rate": 1.0}, "data.rate"),
        ({"nested": {"list": [1, 2, 3.0]}}, r"data.nested.list\[2\]"),
        ({"big": 2**53}, "data.big"),
        ({"small": -(2**53)}, "data.small"),
        ({"amount": Decimal("1.00")}, "data.amount"),
        ({"when": datetime(2025, 1, 1, tzinfo=UTC)}, "data.when"),
        ({"set": {1, 2}}, "data.set"),
        ({1: "x"}, "data: object keys are strings"),
        ({"bad": "\ud800"}, "data.bad"),
        ({"\ud800": "x"}, "data"),
    ],
)
def test_floats_unsafe_integers_and_other_types_are_refused(data: Any, key: str) -> None:
    with pytest.raises(ValueError, match=key):
        _entry(data=data)


def test_safe_integers_are_allowed() -> None:
    data = {"max": MAX_SAFE_INTEGER, "min": -MAX_SAFE_INTEGER, "bool": True, "none": None}
    assert parse_entry(_entry(data=data))["data"] == data


def test_floats_are_refused_in_canonical_json_too() -> None:
    with pytest.raises(ValueError, match=r"value\[1\]"):
        canonical_json([1, 2.5])
    assert canonical_json({"b": [1, "x"], "a": None}) == b'{"a":null,"b":[1,"x"]}'


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"kind": ""}, "type: must not be empty"),
        ({"kind": 5}, "type: a string is required"),
        ({"subject_type": "deal\n"}, "subject.type: contains a control character"),
        ({"subject_id": 42}, "subject.id: a string is required, not int"),
        ({"parties": [{"role": "enterprise"}]}, r"parties\[0\]: .*missing registration_number"),
        (
            {"parties": [{**PARTIES[0], "email": "someone@example.com"}]},
            r"parties\[0\]: .*unexpected email",
        ),
        (
            {"parties": [{"role": "x", "registration_number": ""}]},
            r"parties\[0\].registration_number",
        ),
        ({"parties": ["91440300MA5F00000X"]}, r"parties\[0\]: an object"),
        ({"parties": PARTIES[0]}, "parties: a list"),
        ({"documents": ["AB" * 32]}, r"documents\[0\]: a SHA-256"),
        ({"documents": ["ab" * 31]}, r"documents\[0\]"),
        ({"documents": [HASH, "zz" * 32]}, r"documents\[1\]"),
        ({"documents": [bytes(32)]}, r"documents\[0\]"),
        ({"documents": HASH}, "documents: a list"),
        ({"data": ["not", "an", "object"]}, "data: an object"),
    ],
)
def test_bad_fields_are_refused_by_name(overrides: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        _entry(**overrides)


def test_lists_keep_their_order() -> None:
    other = "cd" * 32
    body = _entry(documents=[other, HASH], parties=list(reversed(PARTIES)))
    entry = parse_entry(body)
    assert [d["sha256"] for d in entry["documents"]] == [other, HASH]
    assert entry["parties"] == list(reversed(PARTIES))


# --- parse_entry refuses anything not exactly canonical --------------------------------------


def _reencode(obj: Any, **kwargs: Any) -> bytes:
    return json.dumps(obj, **kwargs).encode()


def test_non_canonical_serialisations_are_refused() -> None:
    body = _entry(data={"city": "澳門"})
    obj = json.loads(body)
    variants = {
        "spaces": _reencode(obj, sort_keys=True),
        "unsorted": _reencode(dict(reversed(list(obj.items()))), separators=(",", ":")),
        "escaped unicode": _reencode(obj, sort_keys=True, separators=(",", ":")),
        "newline at the end": body + b"\n",
        "leading space": b" " + body,
        "bom": b"\xef\xbb\xbf" + body,
    }
    for name, variant in variants.items():
        assert variant != body, name
        with pytest.raises(ValueError):
            parse_entry(variant)
    assert parse_entry(body)["data"] == {"city": "澳門"}


def test_escaped_slash_or_needless_escape_is_refused() -> None:
    body = _entry(data={"path": "a/b"})
    with pytest.raises(ValueError, match="canonical"):
        parse_entry(body.replace(b"a/b", b"a\\/b"))
    with pytest.raises(ValueError, match="canonical"):
        parse_entry(body.replace(b'"path"', b'"p\\u0061th"'))


def test_parse_refuses_floats_duplicates_and_constants() -> None:
    body = _entry(data={"n": 1})
    with pytest.raises(ValueError, match="fraction or exponent"):
        parse_entry(body.replace(b'"n":1', b'"n":1.5'))
    with pytest.raises(ValueError, match="fraction or exponent"):
        parse_entry(body.replace(b'"n":1', b'"n":1e0'))
    with pytest.raises(ValueError, match="not JSON"):
        parse_entry(body.replace(b'"n":1', b'"n":NaN'))
    with pytest.raises(ValueError, match="duplicate key"):
        parse_entry(body.replace(b'"n":1', b'"n":1,"n":1'))
    with pytest.raises(ValueError, match="integer outside"):
        parse_entry(body.replace(b'"n":1', b'"n":9007199254740992'))


def test_parse_refuses_wrong_keys_and_shapes() -> None:
    obj = json.loads(_entry())

    def canon(changed: dict[str, Any]) -> bytes:
        return rfc8785.dumps(changed)

    cases: list[tuple[dict[str, Any], str]] = [
        ({k: v for k, v in obj.items() if k != "data"}, "missing data"),
        ({**obj, "name": "Alice"}, "unexpected name"),
        ({**obj, "v": 2}, "v: version 2"),
        ({**obj, "v": True}, "v: version True"),
        ({**obj, "subject": {"type": "deal"}}, "subject: exactly type and id"),
        ({**obj, "subject": "deal 42"}, "subject: an object"),
        ({**obj, "at": "2025-01-31T09:30:00Z"}, "at: YYYY"),
        ({**obj, "at": "2025-01-31T09:30:00.123456+00:00"}, "at: YYYY"),
        ({**obj, "at": "2025-02-30T09:30:00.000000Z"}, "at: not a valid time"),
        ({**obj, "amounts": [{"amount": 1000, "currency": "CNY"}]}, "decimal string"),
        ({**obj, "amounts": [{"amount": "1e3", "currency": "CNY"}]}, "decimal string"),
        ({**obj, "amounts": [{"amount": "01.00", "currency": "CNY"}]}, "decimal string"),
        ({**obj, "amounts": [{"amount": "-0.00", "currency": "CNY"}]}, "canonical version 1"),
        ({**obj, "amounts": [{"amount": "1", "currency": "CNY", "x": 1}]}, "exactly amount"),
        ({**obj, "documents": [HASH]}, "exactly one key, sha256"),
        ({**obj, "documents": [{"sha256": HASH.upper()}]}, "SHA-256"),
        ({**obj, "data": None}, "data: an object"),
        ({**obj, "parties": [{"role": "x"}]}, "missing registration_number"),
    ]
    for changed, reason in cases:
        with pytest.raises(ValueError, match=reason):
            parse_entry(canon(changed))


def test_parse_refuses_non_objects_and_bad_encodings() -> None:
    for body, reason in [
        (b"[]", "an object"),
        (b"\xff", "UTF-8"),
        (b"", "JSON"),
        (b"{", "JSON"),
    ]:
        with pytest.raises(ValueError, match=reason):
            parse_entry(body)
    with pytest.raises(ValueError, match="bytes"):
        parse_entry(_entry().decode())  # type: ignore[arg-type]


# --- properties ------------------------------------------------------------------------------

_json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER),
    st.text(st.characters(blacklist_categories=("Cs",))),
)
_json = st.recursive(
    _json_leaf,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.text(st.characters(blacklist_categories=("Cs",)), max_size=5), children, max_size=4
        ),
    ),
    max_leaves=12,
)
_ident = st.text(
    st.characters(min_codepoint=0x20, blacklist_categories=("Cs",), blacklist_characters="\x7f"),
    min_size=1,
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(
    kind=_ident,
    subject_id=_ident,
    data=st.dictionaries(st.text(max_size=5), _json, max_size=4),
    at=st.datetimes(timezones=st.just(UTC)),
    documents=st.lists(st.binary(min_size=32, max_size=32).map(bytes.hex), max_size=3),
    amounts=st.lists(
        st.tuples(
            st.decimals(
                allow_nan=False,
                allow_infinity=False,
                places=2,
                max_value=10**15,
                min_value=-(10**15),
            ),
            st.sampled_from(["CNY", "MOP", "HKD"]),
        ),
        max_size=3,
    ),
)
def test_any_entry_round_trips(
    kind: str,
    subject_id: str,
    data: dict[str, Any],
    at: datetime,
    documents: list[str],
    amounts: list[tuple[Decimal, str]],
) -> None:
    body = build_entry(
        kind=kind,
        subject_type="deal",
        subject_id=subject_id,
        parties=PARTIES,
        at=at,
        data=data,
        documents=documents,
        amounts=amounts,
    )
    entry = parse_entry(body)
    assert rfc8785.dumps(entry) == body
    assert entry["data"] == data
    assert [Decimal(a["amount"]) for a in entry["amounts"]] == [a for a, _ in amounts]
    assert datetime.fromisoformat(entry["at"].replace("Z", "+00:00")) == at
