"""Results read back from JSON: ``Result.from_json`` is the exact inverse of ``to_json``."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from bayfin.evaluation.engine.results import Advice, Change, Condition, Indicator, Result

CHANGE = Change(
    kind="rd_expense", amount=Decimal("1240000"), indicator="rd",
    value_from=Decimal("3.60"), value_to=Decimal("5.00"), points_from=20, points_to=40,
    relative_size=Decimal("0.3887"), detail=(("ratio", "rd_sales"), ("rd_expense_from", Decimal("3190000"))),
)
RESULT = Result(
    rule_set="scitech_sme", version="2022", status="undetermined", path=None,
    score=None, score_low=40, score_high=90, pass_mark=60,
    indicators=(
        Indicator("rd", 50, None, 0, 50),
        Indicator("tech_staff_share", 20, 8, 8, 8, Decimal("18.50"), Decimal("15"),
                  (("tech_staff", 37), ("employees", 200), ("lowest_band", Decimal("10")))),
        Indicator("ip", 30, 12, 12, 12, Decimal("2"), Decimal("2"), (("class", "ii"), ("class", None))),
    ),
    conditions=(
        Condition("staff_limit", "met", changeable=False, detail=(("actual", 200), ("limit", 500))),
        Condition("sales_limit", "missing", False, (("actual", None), ("limit", Decimal("2E+8")))),
        Condition("credit_blacklist", "met", True, (("declared", False),)),
    ),
    missing=("statements", "led_standard"),
    advice=(Advice((CHANGE,), Decimal("0.3887")),
            Advice((CHANGE, Change("tech_staff", Decimal("6"), "tech_staff_share", None, Decimal("10.37"), 0, 4,
                                   Decimal("6"))), Decimal("6.3887"))),
)


def test_a_result_survives_to_json_and_back():
    data = json.loads(json.dumps(RESULT.to_json()))
    back = Result.from_json(data)
    assert back == RESULT
    assert back.to_json() == RESULT.to_json()


def test_decimals_come_back_as_decimals_with_their_digits():
    back = Result.from_json(json.loads(json.dumps(RESULT.to_json())))
    tech = back.indicators[1]
    assert isinstance(tech.value, Decimal) and str(tech.value) == "18.50"
    assert isinstance(dict(tech.detail)["lowest_band"], Decimal)
    assert dict(back.conditions[1].detail)["limit"] == Decimal("2E+8")
    change = back.advice[0].changes[0]
    assert isinstance(change.amount, Decimal) and isinstance(change.relative_size, Decimal)
    assert dict(change.detail) == {"ratio": "rd_sales", "rd_expense_from": Decimal("3190000")}
    assert back.advice[1].changes[1].value_from is None


def test_codes_ints_booleans_and_none_stay_as_they_are():
    back = Result.from_json(RESULT.to_json())
    detail = dict(back.indicators[1].detail)
    assert detail["tech_staff"] == 37 and type(detail["tech_staff"]) is int
    assert back.indicators[2].detail == (("class", "ii"), ("class", None))
    assert dict(back.conditions[2].detail) == {"declared": False}
    assert back.conditions[2].changeable is True and back.conditions[0].changeable is False
    assert isinstance(back.missing, tuple) and isinstance(back.indicators, tuple)


@pytest.mark.parametrize("text", ["12", "-0.50", "1E+3", "0E-8", "3.600"])
def test_decimal_text_in_detail_is_read_as_decimal(text):
    result = Result("x", "1", "qualified", "score", 1, 1, 1, None,
                    (Indicator("i", 1, 1, 1, 1, detail=(("n", Decimal(text)), ("seq", (Decimal(text), "a")))),),
                    (), ())
    back = Result.from_json(json.loads(json.dumps(result.to_json())))
    assert back == result
    assert str(dict(back.indicators[0].detail)["n"]) == text


def test_a_result_without_advice_reads_back_with_none():
    data = RESULT.to_json()
    del data["advice"]
    assert Result.from_json(data).advice == ()
