"""fx services against the database: rates (entered, corrected, deleted, imported), channels,
limit parameters, declared debts and the seeded reference data.

Every refusal names its field and saves nothing (no row, no audit event); every write
leaves one audit event in the same transaction; only operators maintain reference data,
and only an enterprise its own debts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from bayfin.common.errors import NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from bayfin.common.models import AuditEvent
from bayfin.fx import seed, services
from bayfin.fx.models import Channel, CrossBorderDebt, FxRate, LimitParameterSet
from tests.conftest import member_of
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = TODAY - dt.timedelta(days=3)


def rate_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"day": DAY.isoformat(), "base": "USD", "quote": "CNY", "rate": "7.1000",
                            "source": "PBoC central parity"}
    data.update(overrides)
    return data


def stored(day: dt.date, base: str, quote: str, rate: str, source: str = "test") -> FxRate:
    return FxRate.objects.create(day=day, base=base, quote=quote, rate=Decimal(rate), source=source)


def audit_count(prefix: str = "fx.") -> int:
    return AuditEvent.objects.filter(action__startswith=prefix).count()


def refused(call: Any, **kwargs: Any) -> dict[str, list[str]]:
    """The fields of the ValidationFailed the call raises, as plain strings."""
    with pytest.raises(ValidationFailed) as exc:
        call(**kwargs)
    return {k: [str(m) for m in v] for k, v in exc.value.fields.items()}


@pytest.fixture
def non_operators(enterprise_user: Any, institution_user: Any, observer_user: Any,
                  pending_enterprise_user: Any) -> dict[str, Any]:
    return {"enterprise": enterprise_user, "institution": institution_user, "observer": observer_user,
            "pending": pending_enterprise_user}


def assert_operators_only(call: Any, non_operators: dict[str, Any], **kwargs: Any) -> None:
    for user in non_operators.values():
        with pytest.raises(PermissionDenied):
            call(actor=user, **kwargs)
    with pytest.raises(NotAuthenticated):
        call(actor=None, **kwargs)


# --------------------------------------------------------------------------- rate_create


def test_operator_enters_a_rate_with_its_audit_event(operator_user):
    row = services.rate_create(actor=operator_user, data=rate_data(rate="7.12345678"))
    row.refresh_from_db()
    assert (row.day, row.base, row.quote, row.rate, row.source) == (
        DAY, "USD", "CNY", Decimal("7.12345678"), "PBoC central parity")
    assert row.created_by == operator_user
    event = AuditEvent.objects.get(action="fx.rate_create")
    assert event.subject_id == str(row.pk)
    assert event.actor == operator_user
    assert event.new == {"day": DAY.isoformat(), "base": "USD", "quote": "CNY", "rate": "7.1234567800",
                         "source": "PBoC central parity"}


def test_rate_and_audit_are_one_transaction(operator_user, monkeypatch):
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        services.rate_create(actor=operator_user, data=rate_data())
    assert not FxRate.objects.exists()


@pytest.mark.parametrize("overrides, field, reason", [
    ({"rate": "0"}, "rate", "greater than zero"),
    ({"rate": "-7.1"}, "rate", "greater than zero"),
    ({"rate": 7.1}, "rate", "as a string"),
    ({"rate": "seven"}, "rate", "Enter a number"),
    ({"rate": "NaN"}, "rate", "Enter a number"),
    ({"rate": ""}, "rate", "required"),
    ({"rate": "7.12345678901"}, "rate", "decimal places"),
    ({"rate": "5000000"}, "rate", "plausible range"),
    ({"base": "GBP"}, "base", "Unknown currency"),
    ({"quote": "XAU"}, "quote", "Unknown currency"),
    ({"quote": "USD"}, "quote", "must differ"),
    ({"day": (TODAY + dt.timedelta(days=1)).isoformat()}, "day", "after today"),
    ({"day": "28/11/2026"}, "day", "valid date"),
    ({"source": ""}, "source", "required"),
    ({"source": "x" * 201}, "source", "at most 200"),
    # The HKD trades at 7.75-7.85 per USD; the MOP at 1.03 per HKD.
    ({"base": "USD", "quote": "HKD", "rate": "8.20"}, "rate", "peg"),
    ({"base": "USD", "quote": "HKD", "rate": "7.50"}, "rate", "peg"),
    ({"base": "HKD", "quote": "USD", "rate": "0.1400"}, "rate", "peg"),
    ({"base": "HKD", "quote": "MOP", "rate": "1.10"}, "rate", "peg"),
    ({"base": "MOP", "quote": "HKD", "rate": "1.03"}, "rate", "peg"),  # the peg entered the wrong way round
    ({"base": "USD", "quote": "MOP", "rate": "9.00"}, "rate", "peg"),
])
def test_bad_rates_are_refused_on_their_field_and_nothing_is_saved(operator_user, overrides, field, reason):
    fields = refused(services.rate_create, actor=operator_user, data=rate_data(**overrides))
    assert field in fields
    assert any(reason in m for m in fields[field]), fields
    assert not FxRate.objects.exists()
    assert audit_count() == 0


@pytest.mark.parametrize("base, quote, rate", [
    ("USD", "HKD", "7.8000"), ("HKD", "USD", "0.1282"), ("HKD", "MOP", "1.0300"), ("MOP", "HKD", "0.9709"),
    ("USD", "MOP", "8.0300"), ("USD", "CNY", "7.1000"), ("EUR", "CNY", "7.7000"),
])
def test_believable_rates_are_accepted(operator_user, base, quote, rate):
    row = services.rate_create(actor=operator_user, data=rate_data(base=base, quote=quote, rate=rate))
    assert row.rate == Decimal(rate)


def test_the_peg_band_message_names_the_band(operator_user):
    fields = refused(services.rate_create, actor=operator_user, data=rate_data(quote="HKD", rate="8.20"))
    assert "7.75" in fields["rate"][0] and "7.85" in fields["rate"][0]


def test_hkd_cny_must_agree_with_the_same_day_usd_cny(operator_user):
    services.rate_create(actor=operator_user, data=rate_data(rate="7.1000"))
    fields = refused(services.rate_create, actor=operator_user,
                     data=rate_data(base="HKD", quote="CNY", rate="0.8000"))
    assert "peg" in fields["rate"][0]
    assert FxRate.objects.count() == 1 and audit_count() == 1
    # 7.10 / 7.80 = 0.9103: consistent.
    services.rate_create(actor=operator_user, data=rate_data(base="HKD", quote="CNY", rate="0.9103"))
    # Another day has no USD/CNY: nothing to be inconsistent with.
    services.rate_create(actor=operator_user, data=rate_data(day=(DAY - dt.timedelta(days=1)).isoformat(),
                                                             base="HKD", quote="CNY", rate="0.8000"))


def test_a_cross_rate_must_agree_with_the_pivot(operator_user):
    services.rate_create(actor=operator_user, data=rate_data(base="EUR", quote="USD", rate="1.0800"))
    services.rate_create(actor=operator_user, data=rate_data(base="USD", quote="CNY", rate="7.1000"))
    fields = refused(services.rate_create, actor=operator_user, data=rate_data(base="EUR", quote="CNY", rate="9.5"))
    assert "USD" in fields["rate"][0] and "7.668" in fields["rate"][0]
    services.rate_create(actor=operator_user, data=rate_data(base="EUR", quote="CNY", rate="7.6700"))


def test_one_rate_per_pair_and_day(operator_user):
    services.rate_create(actor=operator_user, data=rate_data())
    fields = refused(services.rate_create, actor=operator_user, data=rate_data(rate="7.1100"))
    assert "exists already" in fields["day"][0]
    assert FxRate.objects.get().rate == Decimal("7.1000")
    assert audit_count() == 1


def test_the_inverse_pair_on_the_same_day_is_refused(operator_user):
    services.rate_create(actor=operator_user, data=rate_data())
    fields = refused(services.rate_create, actor=operator_user,
                     data=rate_data(base="CNY", quote="USD", rate="0.1408"))
    assert "USD/CNY" in " ".join(m for ms in fields.values() for m in ms)
    assert FxRate.objects.count() == 1


def test_every_field_is_reported_at_once(operator_user):
    fields = refused(services.rate_create, actor=operator_user,
                     data={"day": "", "base": "GBP", "quote": "", "rate": "x", "source": ""})
    assert set(fields) == {"day", "base", "quote", "rate", "source"}


def test_only_operators_enter_rates(non_operators):
    assert_operators_only(services.rate_create, non_operators, data=rate_data())
    assert not FxRate.objects.exists()
    assert audit_count() == 0


# --------------------------------------------------------------------------- rate_update / rate_delete


def test_operator_corrects_a_rate_value_and_source(operator_user):
    row = services.rate_create(actor=operator_user, data=rate_data())
    services.rate_update(actor=operator_user, rate_id=row.pk,
                         data={"rate": "7.0950", "source": "Corrected: PBoC", "day": "2020-01-01", "base": "EUR"})
    row.refresh_from_db()
    assert (row.day, row.base, row.rate, row.source) == (DAY, "USD", Decimal("7.0950"), "Corrected: PBoC")
    event = AuditEvent.objects.get(action="fx.rate_update")
    assert event.old == {"rate": "7.1000000000", "source": "PBoC central parity"}
    assert event.new == {"rate": "7.0950000000", "source": "Corrected: PBoC"}


def test_a_correction_that_changes_nothing_writes_no_audit(operator_user):
    row = services.rate_create(actor=operator_user, data=rate_data())
    services.rate_update(actor=operator_user, rate_id=row.pk, data={"rate": "7.1"})
    assert not AuditEvent.objects.filter(action="fx.rate_update").exists()


def test_a_correction_is_checked_against_the_other_rates_of_its_day(operator_user):
    services.rate_create(actor=operator_user, data=rate_data(rate="7.1000"))
    hkd = services.rate_create(actor=operator_user, data=rate_data(base="HKD", quote="CNY", rate="0.9103"))
    # The row itself does not stand in the way of its own correction.
    services.rate_update(actor=operator_user, rate_id=hkd.pk, data={"rate": "0.9110"})
    fields = refused(services.rate_update, actor=operator_user, rate_id=hkd.pk, data={"rate": "0.7000"})
    assert "peg" in fields["rate"][0]
    fields = refused(services.rate_update, actor=operator_user, rate_id=hkd.pk, data={"rate": "0"})
    assert "greater than zero" in fields["rate"][0]
    hkd.refresh_from_db()
    assert hkd.rate == Decimal("0.9110")


def test_operator_deletes_a_rate(operator_user, non_operators):
    row = services.rate_create(actor=operator_user, data=rate_data())
    assert_operators_only(services.rate_delete, non_operators, rate_id=row.pk)
    assert_operators_only(services.rate_update, non_operators, rate_id=row.pk, data={"rate": "7.2"})
    services.rate_delete(actor=operator_user, rate_id=row.pk)
    assert not FxRate.objects.exists()
    event = AuditEvent.objects.get(action="fx.rate_delete")
    assert event.old["rate"] == "7.1000000000"
    with pytest.raises(NotFound):
        services.rate_delete(actor=operator_user, rate_id=row.pk)
    with pytest.raises(NotFound):
        services.rate_update(actor=operator_user, rate_id=row.pk, data={"rate": "7.2"})


# --------------------------------------------------------------------------- rate_import

D1, D2 = DAY - dt.timedelta(days=1), DAY


def csv_text(*rows: str, header: str = "day,base,quote,rate,source") -> str:
    return "\n".join([header, *rows]) + "\n"


GOOD = csv_text(
    f"{D1},USD,CNY,7.1000,PBoC",
    f"{D1},USD,HKD,7.8000,HKMA",
    f"{D1},HKD,MOP,1.0300,AMCM",
    f"{D2},USD,CNY,7.1100,PBoC",
    f"{D2},HKD,CNY,0.9115,PBoC",
)


def test_a_good_csv_imports_every_row(operator_user):
    result = services.rate_import(actor=operator_user, text=GOOD)
    assert result == services.ImportResult(created=5, replaced=0, unchanged=0)
    assert FxRate.objects.count() == 5
    assert FxRate.objects.get(day=D2, base="HKD", quote="CNY").rate == Decimal("0.9115")
    assert FxRate.objects.get(day=D1, base="HKD", quote="MOP").source == "AMCM"
    event = AuditEvent.objects.get(action="fx.rate_import")
    assert event.new["created"] == 5


def test_a_byte_order_mark_and_the_default_source(operator_user):
    text = "\ufeffday,base,quote,rate\r\n" f"{D1},USD,CNY,7.1000\r\n" f"{D1},EUR,USD,1.0800\r\n"
    result = services.rate_import(actor=operator_user, text=text, source="ECB and PBoC")
    assert result.created == 2
    assert set(FxRate.objects.values_list("source", flat=True)) == {"ECB and PBoC"}


def test_the_source_column_wins_over_the_default_and_fills_in_when_empty(operator_user):
    text = csv_text(f"{D1},USD,CNY,7.1000,PBoC", f"{D1},EUR,USD,1.0800,")
    services.rate_import(actor=operator_user, text=text, source="Default")
    assert FxRate.objects.get(base="USD").source == "PBoC"
    assert FxRate.objects.get(base="EUR").source == "Default"


def test_without_any_source_a_row_is_refused(operator_user):
    fields = refused(services.rate_import, actor=operator_user, text=csv_text(f"{D1},USD,CNY,7.1", header="day,base,quote,rate"))
    assert fields["file"] == ["Row 2: source: This field is required."]


def test_a_row_twice_in_the_file(operator_user):
    text = csv_text(f"{D1},USD,CNY,7.1000,PBoC", f"{D1},USD,CNY,7.1200,PBoC")
    fields = refused(services.rate_import, actor=operator_user, text=text)
    assert len(fields["file"]) == 1
    assert fields["file"][0].startswith("Row 3: day:") and "twice" in fields["file"][0]
    assert not FxRate.objects.exists()


def test_a_row_inconsistent_with_an_earlier_row_of_the_same_file(operator_user):
    text = csv_text(f"{D2},USD,CNY,7.1100,PBoC", f"{D2},HKD,CNY,0.8000,PBoC")
    fields = refused(services.rate_import, actor=operator_user, text=text)
    assert len(fields["file"]) == 1 and fields["file"][0].startswith("Row 3: rate:")
    assert "peg" in fields["file"][0]
    assert not FxRate.objects.exists()


def test_an_inverse_pair_in_the_same_file(operator_user):
    text = csv_text(f"{D1},USD,CNY,7.1000,PBoC", f"{D1},CNY,USD,0.1408,PBoC")
    fields = refused(services.rate_import, actor=operator_user, text=text)
    assert fields["file"][0].startswith("Row 3:")
    assert not FxRate.objects.exists()


def test_a_stored_rate_is_an_error_without_replace(operator_user):
    services.rate_import(actor=operator_user, text=GOOD)
    fields = refused(services.rate_import, actor=operator_user, text=csv_text(f"{D1},USD,CNY,7.1050,PBoC"))
    assert fields["file"][0].startswith("Row 2: day:") and "replace" in fields["file"][0]
    assert FxRate.objects.get(day=D1, base="USD", quote="CNY").rate == Decimal("7.1000")


def test_with_replace_rows_are_replaced_or_left_unchanged(operator_user):
    services.rate_import(actor=operator_user, text=GOOD)
    text = csv_text(
        f"{D1},USD,CNY,7.1000,PBoC",  # unchanged
        f"{D1},USD,HKD,7.8100,HKMA",  # replaced
        f"{D2},HKD,MOP,1.0300,AMCM",  # new
    )
    result = services.rate_import(actor=operator_user, text=text, replace=True)
    assert result == services.ImportResult(created=1, replaced=1, unchanged=1)
    assert FxRate.objects.count() == 6
    assert FxRate.objects.get(day=D1, base="USD", quote="HKD").rate == Decimal("7.8100")


@pytest.mark.parametrize("rows", [
    (f"{D2},USD,CNY,6.5000,PBoC", f"{D2},HKD,CNY,0.8330,PBoC"),
    (f"{D2},HKD,CNY,0.8330,PBoC", f"{D2},USD,CNY,6.5000,PBoC"),
])
def test_a_replacement_is_checked_against_the_new_values_of_the_file(operator_user, rows):
    services.rate_import(actor=operator_user, text=GOOD)
    # USD/CNY moves to 6.50 on D2; the stored HKD/CNY 0.9115 would break the peg against it,
    # but the file replaces it by 0.8330 (6.50 / 7.80), so the file is consistent.
    result = services.rate_import(actor=operator_user, text=csv_text(*rows), replace=True)
    assert result.replaced == 2
    assert FxRate.objects.get(day=D2, base="HKD", quote="CNY").rate == Decimal("0.8330")
    # The file's own values are still held to the peg.
    bad = csv_text(f"{D2},USD,CNY,7.1100,PBoC", f"{D2},HKD,CNY,0.8330,PBoC")
    fields = refused(services.rate_import, actor=operator_user, text=bad, replace=True)
    assert fields["file"][0].startswith("Row 3: rate:")
    assert FxRate.objects.get(day=D2, base="USD", quote="CNY").rate == Decimal("6.5000")


def test_one_bad_row_imports_nothing(operator_user):
    services.rate_create(actor=operator_user, data=rate_data(day=(DAY - dt.timedelta(days=5)).isoformat()))
    before = FxRate.objects.count()
    events = audit_count()
    text = csv_text(f"{D1},USD,CNY,7.1000,PBoC", f"{D1},USD,HKD,9.9000,HKMA", f"{D2},GBP,CNY,9.1,x",
                    f"{D2},USD,CNY,-1,PBoC", f"{TODAY + dt.timedelta(days=2)},EUR,CNY,7.7,ECB")
    with pytest.raises(ValidationFailed) as exc:
        services.rate_import(actor=operator_user, text=text)
    problems = [str(m) for m in exc.value.fields["file"]]
    assert "Nothing was imported" in str(exc.value.message)
    assert [p.split(":")[0] for p in problems] == ["Row 3", "Row 4", "Row 5", "Row 6"]
    assert problems[1].startswith("Row 4: base:")
    assert problems[3].startswith("Row 6: day:")
    assert FxRate.objects.count() == before
    assert audit_count() == events


def test_row_numbers_are_the_lines_of_the_file_even_after_a_blank_line(operator_user):
    text = f"day,base,quote,rate,source\n{D1},USD,CNY,7.1,PBoC\n\n{D1},EUR,USD,abc,ECB\n"
    fields = refused(services.rate_import, actor=operator_user, text=text)
    assert fields["file"][0].startswith("Row 4: rate:")


@pytest.mark.parametrize("text, expected", [
    ("date,base,quote,rate\n2026-11-01,USD,CNY,7.1\n", "missing: day"),
    ("day,base,quote\n2026-11-01,USD,CNY\n", "missing: rate"),
    ("day;base;quote;rate\n", "missing: day, base, quote, rate"),
    ("", "missing: day, base, quote, rate"),
    ("day,base,quote,rate,source\n", "holds no rates"),
    ("day,base,quote,rate,source\n,,,,\n\n", "holds no rates"),
])
def test_files_without_the_columns_or_without_rows(operator_user, text, expected):
    fields = refused(services.rate_import, actor=operator_user, text=text)
    assert expected in fields["file"][0]
    assert not FxRate.objects.exists()


def test_header_names_may_carry_spaces(operator_user):
    text = f" day , base ,quote,rate ,source\n{D1}, USD ,CNY, 7.1 ,PBoC\n"
    assert services.rate_import(actor=operator_user, text=text).created == 1


def test_only_operators_import(non_operators):
    assert_operators_only(services.rate_import, non_operators, text=GOOD)
    assert not FxRate.objects.exists()


# --------------------------------------------------------------------------- channels


def channel_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "macao-test-loan",
        "name_en": "Macao test loan",
        "name_zh_hans": "澳门测试贷款",
        "from_jurisdictions": ["macao"],
        "to_jurisdictions": ["hengqin"],
        "instruments": ["credit_loan"],
        "lender_currencies": ["CNY"],
        "borrower_currencies": ["CNY"],
        "conditions": [{"field": "institution.kind", "op": "in", "value": ["macao_bank"]}],
        "documents": ["loan_contract"],
        "limit_rule": "mpa_cap",
        "policy_source": "A test.",
        "priority": 20,
    }
    data.update(overrides)
    return data


def test_operator_creates_a_channel(operator_user):
    channel = services.channel_create(actor=operator_user, data=channel_data(code="Macao-Test-Loan"))
    channel.refresh_from_db()
    assert channel.code == "macao-test-loan"
    assert channel.conditions == [{"field": "institution.kind", "op": "in", "value": ["macao_bank"]}]
    assert channel.limit_rule == "mpa_cap" and channel.priority == 20 and channel.active
    assert channel.display_name("zh-hans") == "澳门测试贷款"
    event = AuditEvent.objects.get(action="fx.channel_create")
    assert event.new["code"] == "macao-test-loan"


@pytest.mark.parametrize("conditions, expected", [
    ([{"field": "enterprise.size", "op": "in", "value": ["large"]}],
     "Condition 1: unknown field enterprise.size"),
    ([{"field": "request.term_months", "op": "gte", "value": 12},
      {"field": "institution.kind", "op": "gte", "value": 3}],
     "Condition 2: the operator gte does not apply to institution.kind; use one of: in, not_in."),
    ([{"field": "institution.kind", "op": "in", "value": ["martian_bank", "macao_bank"]}],
     "Condition 1: unknown codes for institution.kind: martian_bank."),
    ([{"field": "enterprise.certifications", "op": "any_of", "value": ["nobel"]}],
     "Condition 1: unknown codes for enterprise.certifications: nobel."),
    ([{"field": "request.term_months", "op": "gte", "value": "twelve"}],
     "Condition 1: the value of request.term_months is not valid."),
    ([{"field": "institution.kind", "op": "in", "value": ["macao_bank"], "note": "x"}],
     "Condition 1: each condition"),
    ({"field": "institution.kind"}, "Conditions must be a list."),
    ([{"field": "institution.kind", "op": "in", "value": "macao_bank"}],
     "Condition 1: the value of institution.kind is not valid."),
])
def test_bad_conditions_are_refused_naming_the_condition(operator_user, conditions, expected):
    fields = refused(services.channel_create, actor=operator_user, data=channel_data(conditions=conditions))
    assert list(fields) == ["conditions"]
    assert fields["conditions"][0].startswith(expected), fields
    assert not Channel.objects.exists() and audit_count() == 0


@pytest.mark.parametrize("field, value", [
    ("from_jurisdictions", ["atlantis"]),
    ("to_jurisdictions", ["hengqin", "narnia"]),
    ("instruments", ["tulips"]),
    ("lender_currencies", ["GBP"]),
    ("borrower_currencies", ["CNY", "BTC"]),
    ("documents", ["passport"]),
    ("limit_rule", "unlimited"),
])
def test_unknown_codes_are_refused(operator_user, field, value):
    fields = refused(services.channel_create, actor=operator_user, data=channel_data(**{field: value}))
    assert list(fields) == [field]
    assert "not one of the available choices" in fields[field][0]
    assert not Channel.objects.exists()


@pytest.mark.parametrize("field", ["from_jurisdictions", "to_jurisdictions", "instruments",
                                   "lender_currencies", "borrower_currencies"])
def test_the_sides_and_instruments_are_required(operator_user, field):
    fields = refused(services.channel_create, actor=operator_user, data=channel_data(**{field: []}))
    assert field in fields


@pytest.mark.parametrize("code", ["", "macao loan", "澳门贷款", "a/b"])
def test_a_code_is_letters_digits_hyphens(operator_user, code):
    assert "code" in refused(services.channel_create, actor=operator_user, data=channel_data(code=code))


def test_a_channel_code_is_unique(operator_user):
    services.channel_create(actor=operator_user, data=channel_data())
    fields = refused(services.channel_create, actor=operator_user,
                     data=channel_data(code="MACAO-TEST-LOAN", name_en="Another"))
    assert "exists already" in fields["code"][0]
    assert Channel.objects.count() == 1


def test_update_changes_some_fields_and_never_the_code(operator_user):
    channel = services.channel_create(actor=operator_user, data=channel_data())
    services.channel_update(actor=operator_user, channel_id=channel.pk,
                            data={"code": "renamed", "lender_currencies": ["CNY", "MOP"], "priority": 5})
    channel.refresh_from_db()
    assert channel.code == "macao-test-loan"
    assert channel.lender_currencies == ["CNY", "MOP"] and channel.priority == 5
    assert channel.instruments == ["credit_loan"] and channel.name_zh_hans == "澳门测试贷款"
    event = AuditEvent.objects.get(action="fx.channel_update")
    assert event.old == {"lender_currencies": ["CNY"], "priority": 20}
    assert event.new == {"lender_currencies": ["CNY", "MOP"], "priority": 5}


def test_update_refuses_what_create_refuses_and_keeps_the_channel(operator_user):
    channel = services.channel_create(actor=operator_user, data=channel_data())
    fields = refused(services.channel_update, actor=operator_user, channel_id=channel.pk,
                     data={"conditions": [{"field": "enterprise.mood", "op": "in", "value": ["happy"]}],
                           "documents": ["passport"]})
    assert set(fields) == {"conditions", "documents"}
    assert "enterprise.mood" in fields["conditions"][0]
    channel.refresh_from_db()
    assert channel.conditions == channel_data()["conditions"] and channel.documents == ["loan_contract"]
    assert not AuditEvent.objects.filter(action="fx.channel_update").exists()


def test_deactivating_a_channel(operator_user):
    channel = services.channel_create(actor=operator_user, data=channel_data())
    services.channel_update(actor=operator_user, channel_id=channel.pk, data={"active": False})
    channel.refresh_from_db()
    assert channel.active is False
    assert AuditEvent.objects.get(action="fx.channel_update").new == {"active": False}
    services.channel_update(actor=operator_user, channel_id=channel.pk, data={"active": "true"})
    channel.refresh_from_db()
    assert channel.active is True


def test_only_operators_maintain_channels(operator_user, non_operators):
    assert_operators_only(services.channel_create, non_operators, data=channel_data())
    channel = services.channel_create(actor=operator_user, data=channel_data())
    assert_operators_only(services.channel_update, non_operators, channel_id=channel.pk, data={"active": False})
    channel.refresh_from_db()
    assert channel.active is True
    with pytest.raises(NotFound):
        services.channel_update(actor=operator_user, channel_id=channel.pk + 100, data={})


# --------------------------------------------------------------------------- limit parameters


PARAMS: dict[str, Any] = {
    "effective_from": "2023-07-20", "leverage_ratio": "2", "adjustment_parameter": "1.5",
    "short_term_factor": "1.5", "long_term_factor": "1", "on_balance_factor": "1", "off_balance_factor": "1",
    "fx_risk_factor": "0.5", "short_term_months": 12, "facilitation_quota_usd": "10000000",
    "facilitation_certifications": ["hnte", "srdi"], "facilitation_jurisdictions": ["hengqin", "zhuhai"],
    "source": "PBoC 银发〔2017〕9号; SAFE 汇发〔2022〕16号.",
}


def params_data(**overrides: Any) -> dict[str, Any]:
    return {**PARAMS, **overrides}


def test_operator_sets_limit_parameters(operator_user):
    row = services.limit_parameters_create(actor=operator_user, data=params_data(
        effective_from="2025-01-01", adjustment_parameter="1.75"))
    row.refresh_from_db()
    assert row.effective_from == dt.date(2025, 1, 1) and row.adjustment_parameter == Decimal("1.75")
    assert row.facilitation_quota_usd == Decimal("10000000.00")
    assert row.facilitation_certifications == ["hnte", "srdi"]
    assert AuditEvent.objects.get(action="fx.limit_parameters_create").new["adjustment_parameter"] == "1.75"


@pytest.mark.parametrize("overrides, field, reason", [
    ({"short_term_factor": "-1"}, "short_term_factor", "cannot be negative"),
    ({"fx_risk_factor": "-0.5"}, "fx_risk_factor", "cannot be negative"),
    ({"leverage_ratio": "0"}, "leverage_ratio", "greater than zero"),
    ({"adjustment_parameter": "0"}, "adjustment_parameter", "greater than zero"),
    ({"leverage_ratio": "101"}, "leverage_ratio", "at most 100"),
    ({"long_term_factor": "1.00001"}, "long_term_factor", "4 decimal places"),
    ({"on_balance_factor": 1.0}, "on_balance_factor", "as a string"),
    ({"short_term_months": 0}, "short_term_months", "at least 1"),
    ({"facilitation_quota_usd": "-10"}, "facilitation_quota_usd", "negative"),
    ({"facilitation_certifications": ["nobel"]}, "facilitation_certifications", "not one of"),
    ({"facilitation_jurisdictions": ["atlantis"]}, "facilitation_jurisdictions", "not one of"),
    ({"source": ""}, "source", "required"),
    ({"effective_from": "soon"}, "effective_from", "valid date"),
])
def test_bad_limit_parameters_are_refused(operator_user, overrides, field, reason):
    fields = refused(services.limit_parameters_create, actor=operator_user, data=params_data(**overrides))
    assert field in fields and any(reason in m for m in fields[field]), fields
    assert not LimitParameterSet.objects.exists() and audit_count() == 0


def test_one_parameter_set_per_date(operator_user, non_operators):
    services.limit_parameters_create(actor=operator_user, data=params_data())
    fields = refused(services.limit_parameters_create, actor=operator_user,
                     data=params_data(adjustment_parameter="1.25"))
    assert "already starts" in fields["effective_from"][0]
    assert_operators_only(services.limit_parameters_create, non_operators,
                          data=params_data(effective_from="2026-01-01"))
    assert LimitParameterSet.objects.count() == 1


# --------------------------------------------------------------------------- declared debts


def debt_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"lender": "Banco Nacional Ultramarino", "balance": "1000000.00", "currency": "USD",
                            "term_months": 24, "drawn_on": (TODAY - dt.timedelta(days=200)).isoformat()}
    data.update(overrides)
    return data


def test_an_enterprise_declares_its_debt(enterprise_user, enterprise, operator_user):
    channel = services.channel_create(actor=operator_user, data=channel_data())
    debt = services.debt_create(actor=enterprise_user, data=debt_data(channel=channel.pk, off_balance="on"))
    debt.refresh_from_db()
    assert debt.enterprise == enterprise and debt.balance == Decimal("1000000.00") and debt.currency == "USD"
    assert debt.channel == channel and debt.off_balance is True
    event = AuditEvent.objects.get(action="fx.debt_create")
    assert event.organisation_id == enterprise.organisation_id and event.new["balance"] == "1000000.00"


@pytest.mark.parametrize("overrides, field", [
    ({"drawn_on": (TODAY + dt.timedelta(days=1)).isoformat()}, "drawn_on"),
    ({"balance": "0"}, "balance"),
    ({"balance": "-5"}, "balance"),
    ({"balance": "12.345"}, "balance"),
    ({"currency": "GBP"}, "currency"),
    ({"currency": ""}, "currency"),
    ({"term_months": 0}, "term_months"),
    ({"lender": ""}, "lender"),
    ({"channel": 999999}, "channel"),
    ({"channel": "abc"}, "channel"),
])
def test_bad_debts_are_refused(enterprise_user, overrides, field):
    fields = refused(services.debt_create, actor=enterprise_user, data=debt_data(**overrides))
    assert field in fields
    assert not CrossBorderDebt.objects.exists() and audit_count() == 0


def test_an_enterprise_updates_and_deletes_its_own_debts_only(enterprise_user, other_enterprise_user):
    debt = services.debt_create(actor=enterprise_user, data=debt_data())
    services.debt_update(actor=enterprise_user, debt_id=debt.pk, data={"balance": "750000.00"})
    debt.refresh_from_db()
    assert debt.balance == Decimal("750000.00") and debt.currency == "USD" and debt.term_months == 24
    event = AuditEvent.objects.get(action="fx.debt_update")
    assert event.old == {"balance": "1000000.00"} and event.new == {"balance": "750000.00"}

    fields = refused(services.debt_update, actor=enterprise_user, debt_id=debt.pk,
                     data={"drawn_on": (TODAY + dt.timedelta(days=3)).isoformat()})
    assert "future" in fields["drawn_on"][0]

    with pytest.raises(NotFound):
        services.debt_update(actor=other_enterprise_user, debt_id=debt.pk, data={"balance": "1.00"})
    with pytest.raises(NotFound):
        services.debt_delete(actor=other_enterprise_user, debt_id=debt.pk)
    debt.refresh_from_db()
    assert debt.balance == Decimal("750000.00")

    services.debt_delete(actor=enterprise_user, debt_id=debt.pk)
    assert not CrossBorderDebt.objects.exists()
    assert AuditEvent.objects.get(action="fx.debt_delete").old["lender"] == "Banco Nacional Ultramarino"


def test_other_roles_declare_no_debts(enterprise_user, institution_user, operator_user, observer_user):
    debt = services.debt_create(actor=enterprise_user, data=debt_data())
    for user in (institution_user, operator_user, observer_user):
        with pytest.raises(PermissionDenied):
            services.debt_create(actor=user, data=debt_data())
        with pytest.raises(PermissionDenied):
            services.debt_update(actor=user, debt_id=debt.pk, data={"balance": "1.00"})
        with pytest.raises(PermissionDenied):
            services.debt_delete(actor=user, debt_id=debt.pk)
    with pytest.raises(NotAuthenticated):
        services.debt_create(actor=None, data=debt_data())
    assert CrossBorderDebt.objects.count() == 1


def test_an_enterprise_member_without_a_profile_declares_nothing(db):
    from tests.factories import OrganisationFactory

    user = member_of(OrganisationFactory(kind="enterprise"))
    with pytest.raises(PermissionDenied):
        services.debt_create(actor=user, data=debt_data())


# --------------------------------------------------------------------------- reference data


def test_reference_data_seed_is_idempotent(operator_user):
    parameter_sets = len(getattr(seed, "LIMIT_PARAMETER_SETS", [seed.LIMIT_PARAMETERS]))
    first = services.reference_data_seed()
    assert first == services.SeedResult(channels=len(seed.CHANNELS), parameter_sets=parameter_sets)
    assert set(Channel.objects.values_list("code", flat=True)) == {c["code"] for c in seed.CHANNELS}
    assert AuditEvent.objects.filter(action="fx.channel_seed").count() == len(seed.CHANNELS)
    events = audit_count()

    # An operator's change survives a second seed, which creates nothing.
    rmb = Channel.objects.get(code="cross-border-rmb-loan")
    services.channel_update(actor=operator_user, channel_id=rmb.pk, data={"priority": 1, "active": False})
    again = services.reference_data_seed(actor=operator_user)
    assert again == services.SeedResult(channels=0, parameter_sets=0)
    assert Channel.objects.count() == len(seed.CHANNELS)
    assert LimitParameterSet.objects.count() == parameter_sets
    rmb.refresh_from_db()
    assert rmb.priority == 1 and rmb.active is False
    assert audit_count() == events + 1  # only the operator's update

    # A deleted seed channel comes back.
    Channel.objects.filter(code="qflp-equity").delete()
    assert services.reference_data_seed().channels == 1


def test_only_operators_seed_by_hand(enterprise_user):
    with pytest.raises(PermissionDenied):
        services.reference_data_seed(actor=enterprise_user)
    assert not Channel.objects.exists()


def test_a_macao_enterprise_declares_debts_too(db):
    macao = EnterpriseFactory(organisation__jurisdiction="macao")
    user = member_of(macao.organisation)
    debt = services.debt_create(actor=user, data=debt_data(currency="MOP"))
    assert debt.enterprise == macao


def test_a_channel_with_a_limit_rule_may_reach_mainland_enterprises_only(operator_user):
    with pytest.raises(ValidationFailed) as exc:
        services.channel_create(actor=operator_user,
                                data=channel_data(to_jurisdictions=["hengqin", "macao"], limit_rule="mpa_cap"))
    assert "Mainland borrowers only" in str(exc.value.fields["limit_rule"][0])
    assert "Macao" in str(exc.value.fields["limit_rule"][0])
    assert not Channel.objects.filter(code="macao-test-loan").exists()
    services.channel_create(actor=operator_user, data=channel_data(to_jurisdictions=["hengqin", "macao"],
                                                                   limit_rule="none"))


def test_the_peg_refusal_names_the_band_and_the_tolerance(operator_user):
    with pytest.raises(ValidationFailed) as exc:
        services.rate_create(actor=operator_user, data={"day": "2026-01-05", "base": "HKD", "quote": "MOP",
                                                        "rate": "1.06", "source": "test"})
    message = str(exc.value.fields["rate"][0])
    assert "1.03" in message and "1%" in message
