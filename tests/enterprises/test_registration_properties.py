"""Registration numbers (pure rules): properties over many generated numbers."""

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc

from bayfin.enterprises.registration import RegistrationNumberError, normalise

# GB 32100-2015 uses the digits and the capital letters except I, O, S, V and Z.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
MAINLAND = ["hengqin", "zhuhai", "guangzhou", "shenzhen", "other_gba"]


@st.composite
def valid_usccs(draw: st.DrawFn) -> str:
    authority = draw(st.sampled_from(["1", "5", "9"]))  # python-stdnum wants 8 leading digits
    kind = draw(st.sampled_from(["1", "2", "3", "9"]))
    region = draw(st.text(alphabet=string.digits, min_size=6, max_size=6))
    body = draw(st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8))
    # The 9-character organisation code ends in its own check character (GB 11714).
    org = body + _gb11714_check(body)
    base = authority + kind + region + org
    return base + uscc.calc_check_digit(base)


def _gb11714_check(body: str) -> str:
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    total = sum(alphabet.index(c) * w for c, w in zip(body, weights, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


@given(valid_usccs(), st.sampled_from(MAINLAND))
def test_every_well_formed_uscc_is_accepted_in_every_mainland_jurisdiction(number, jurisdiction):
    assert normalise(jurisdiction, number.lower()) == number


@given(valid_usccs(), st.sampled_from(USCC_ALPHABET))
def test_a_wrong_check_character_is_named_as_such(number, replacement):
    if replacement == number[17]:
        return
    wrong = number[:17] + replacement
    with pytest.raises(RegistrationNumberError) as exc:
        normalise("hengqin", wrong)
    assert exc.value.code == "wrong_check_character"


@given(valid_usccs(), st.integers(min_value=0, max_value=16), st.sampled_from(USCC_ALPHABET))
def test_any_single_character_change_is_refused(number, index, replacement):
    if replacement == number[index]:
        return
    changed = number[:index] + replacement + number[index + 1:]
    with pytest.raises(RegistrationNumberError):
        normalise("zhuhai", changed)


@given(st.text(alphabet=string.digits, min_size=8, max_size=8))
def test_any_eight_digits_are_a_hong_kong_br_number(digits):
    assert normalise("hong_kong", digits) == digits


@given(st.text(alphabet=string.digits, min_size=1, max_size=6))
def test_macao_registry_numbers_accept_one_to_six_digits(digits):
    assert normalise("macao", digits) == digits
    assert normalise("macao", digits + " SO") == digits + " SO"
