"""From the platform's rows to the model's features: each field, the missing ones named, the
amount in USD with and without a rate, and the reference loan's medians and fallbacks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from bayfin.common.vocab import Instrument, Sector
from bayfin.financing.transitions import DealStage, RequestStatus
from bayfin.scoring import mapping
from bayfin.scoring.engine import features as F
from tests.factories import (
    DealFactory,
    EnterpriseFactory,
    FinancingRequestFactory,
    InstitutionFactory,
)

from .support import usd_rate

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _request(enterprise=None, **kw):
    kw.setdefault("currency", "USD")
    kw.setdefault("amount", Decimal("200000.00"))
    return FinancingRequestFactory(enterprise=enterprise or EnterpriseFactory(), **kw)


def test_each_enterprise_field_maps_to_its_feature():
    e = EnterpriseFactory(sector=Sector.FINTECH, employees=42, founding_date=TODAY - dt.timedelta(days=365))
    mapped, ref = mapping.map_enterprise(e, on=TODAY)
    assert mapped.missing == []
    assert mapped.inputs == {"naics_sector": "52", "no_emp": 42, "new_business": "new",
                             "gross_approved": float(ref.amount), "sba_share": 0.0, "rev_line_cr": "N"}


def test_years_in_business_on_the_scoring_day():
    founded = dt.date(2020, 1, 1)
    assert mapping.years_operating(founded, dt.date(2021, 12, 31)) < F.NEW_BUSINESS_YEARS
    assert mapping.years_operating(founded, dt.date(2022, 1, 2)) >= F.NEW_BUSINESS_YEARS
    assert mapping.years_operating(founded, dt.date(2019, 1, 1)) is None  # founded after the day: unknown


def test_every_sector_has_a_naics_code():
    assert {mapping.naics_of(s) for s in Sector.values} <= {"22", "32", "33", "48", "51", "52", "71"}
    assert mapping.naics_of("not_a_sector") is None


def test_missing_fields_are_named_never_guessed():
    e = EnterpriseFactory(employees=0, tech_staff=0, founding_date=TODAY + dt.timedelta(days=10))
    mapped, _ = mapping.map_enterprise(e, on=TODAY)
    assert mapped.inputs is None and mapped.missing == ["employees", "founding_date"]
    e.sector = "gone"
    mapped, _ = mapping.map_enterprise(e, on=TODAY)
    assert mapped.missing == ["employees", "founding_date", "sector"]


def test_a_request_in_usd_needs_no_rate():
    req = _request(amount=Decimal("123456.78"))
    mapped = mapping.map_request(req, on=TODAY)
    assert mapped.inputs is not None and mapped.inputs["gross_approved"] == 123456.78


def test_a_request_amount_is_converted_to_usd_with_the_days_rate():
    usd_rate("CNY", "7.25")
    req = _request(amount=Decimal("725000.00"), currency="CNY")
    mapped = mapping.map_request(req, on=TODAY)
    assert mapped.inputs is not None and mapped.inputs["gross_approved"] == pytest.approx(100000.0)


def test_without_a_rate_the_amount_is_missing():
    req = _request(amount=Decimal("725000.00"), currency="MOP")
    mapped = mapping.map_request(req, on=TODAY)
    assert mapped.inputs is None and mapped.missing == ["amount"]


@pytest.mark.parametrize(("instruments", "guaranteed", "revolving"), [
    ([Instrument.CREDIT_LOAN], False, False),
    ([Instrument.GUARANTEED_LOAN], True, False),
    ([Instrument.GUARANTEED_LOAN, Instrument.CREDIT_LOAN], False, False),
    ([Instrument.FACTORING], False, True),
    ([Instrument.FACTORING, Instrument.EQUITY], False, True),  # equity is not a loan: only the loans count
    ([Instrument.FACTORING, Instrument.CREDIT_LOAN], False, False),
])
def test_guarantee_and_revolving_from_the_instruments(instruments, guaranteed, revolving):
    mapped = mapping.map_request(_request(instruments=[str(i) for i in instruments]), on=TODAY)
    assert mapped.inputs is not None
    assert mapped.inputs["sba_share"] == (F.GUARANTEED_SHARE if guaranteed else 0.0)
    assert mapped.inputs["rev_line_cr"] == ("Y" if revolving else "N")


def test_a_request_with_no_loan_instrument_cannot_be_scored():
    mapped = mapping.map_request(_request(instruments=[Instrument.EQUITY.value]), on=TODAY)
    assert mapped.missing == ["instrument"]


def test_an_open_deal_naming_a_guarantor_makes_the_loan_guaranteed():
    req = _request(instruments=[Instrument.CREDIT_LOAN.value])
    deal = DealFactory(request=req, guarantor=InstitutionFactory())
    assert mapping.map_request(req, on=TODAY).inputs["sba_share"] == F.GUARANTEED_SHARE
    deal.stage = DealStage.DECLINED  # a deal that ended guarantees nothing
    deal.save()
    assert mapping.map_request(req, on=TODAY).inputs["sba_share"] == 0.0


def test_the_reference_loan_is_the_sector_median_then_the_platform_median_then_the_default():
    assert mapping.ReferenceLoans(on=TODAY).for_sector(Sector.FINTECH) == mapping.Reference(
        mapping.REFERENCE_AMOUNT_USD, mapping.Basis.DEFAULT, Sector.FINTECH)
    ic = EnterpriseFactory(sector=Sector.INTEGRATED_CIRCUITS)
    for amount in ("100000", "300000", "900000"):
        _request(ic, amount=Decimal(amount))
    _request(ic, amount=Decimal("5000000"), status=RequestStatus.DRAFT, submitted_at=None)  # never submitted
    usd_rate("CNY", "8")
    _request(EnterpriseFactory(sector=Sector.BIOMEDICINE), amount=Decimal("400000"), currency="CNY")  # 50,000 USD
    _request(EnterpriseFactory(sector=Sector.BIOMEDICINE), amount=Decimal("400000"), currency="MOP")  # no rate
    refs = mapping.ReferenceLoans(on=TODAY)
    assert refs.for_sector(Sector.INTEGRATED_CIRCUITS).as_json() == {
        "amount": "300000.00", "currency": "USD", "basis": "sector_median", "sector": "integrated_circuits"}
    assert refs.for_sector(Sector.BIOMEDICINE).amount == Decimal("50000.00")
    fintech = refs.for_sector(Sector.FINTECH)
    assert (fintech.amount, fintech.basis) == (Decimal("200000.00"), "platform_median")  # of 50k,100k,300k,900k


def test_batch_columns_equal_single_features_and_skip_incomplete_rows():
    ents = [EnterpriseFactory(employees=n, tech_staff=0, founding_date=TODAY - dt.timedelta(days=d))
            for n, d in ((10, 100), (0, 2000), (300, 4000))]
    ref = mapping.Reference(Decimal("150000.00"), mapping.Basis.DEFAULT, "x")
    applicants = [mapping.enterprise_applicant(e, ref, on=TODAY) for e in ents]
    cols, ok = mapping.columns_of(applicants)
    assert ok.tolist() == [True, False, True]
    assert [mapping.row_inputs(cols, j) for j in range(2)] == [
        mapping.map_enterprise(e, on=TODAY, references=_fixed(ref))[0].inputs for e in (ents[0], ents[2])]
    assert mapping.missing_of(applicants[1]) == ["employees"]
    assert np.all(cols["gross_approved"] == 150000.0)


def _fixed(ref):
    class Fixed:
        def for_sector(self, sector):
            return ref
    return Fixed()
