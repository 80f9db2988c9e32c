"""factory_boy factories for every model. Organisations are verified unless told otherwise."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone
from stdnum.cn import uscc

from bayfin.accounts.models import (
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    User,
)
from bayfin.common.vocab import InstitutionKind, Instrument, Jurisdiction, Sector, Stage
from bayfin.enterprises.models import BeneficialOwner, Certification, Enterprise, FinancialStatement
from bayfin.financing.models import Deal, DealEvent, FinancingRequest
from bayfin.financing.transitions import DealStage, RequestStatus
from bayfin.institutions.models import Institution, Product, ProductStatus

PASSWORD = "Correct-Horse-42"


def valid_uscc(n: int) -> str:
    """A valid 18-character USCC (GB 32100-2015), different for each n."""
    body = f"91440400MA{n:07d}"[:17]
    body = body.replace("I", "J").replace("O", "P")
    return body + uscc.calc_check_digit(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.ENTERPRISE
    status = OrganisationStatus.VERIFIED
    name_en = factory.Sequence(lambda n: f"Organisation {n}")
    name_zh_hans = factory.Sequence(lambda n: f"机构{n}")
    jurisdiction = Jurisdiction.HENGQIN
    verified_at = factory.LazyFunction(timezone.now)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    is_admin = True


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    organisation = factory.SubFactory(OrganisationFactory, kind=OrganisationKind.ENTERPRISE)
    registration_number = factory.Sequence(valid_uscc)
    founding_date = dt.date(2018, 3, 1)
    employees = 60
    tech_staff = 25
    sector = Sector.INTEGRATED_CIRCUITS
    stage = Stage.SERIES_A
    description = "Designs low-power chips for IoT devices."
    invention_patents = 3
    software_copyrights = 5


class BeneficialOwnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BeneficialOwner

    enterprise = factory.SubFactory(EnterpriseFactory)
    name = factory.Sequence(lambda n: f"Owner {n}")
    share_percent = Decimal("40.00")
    nationality = "MO"


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    enterprise = factory.SubFactory(EnterpriseFactory)
    kind = "hnte"
    number = "GR202344000123"
    issued_on = dt.date(2023, 12, 1)
    expires_on = dt.date(2026, 12, 1)
    published = True


class FinancialStatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FinancialStatement

    enterprise = factory.SubFactory(EnterpriseFactory)
    year = 2025
    currency = "CNY"
    revenue = Decimal("38000000.00")
    rd_expense = Decimal("3100000.00")
    total_costs = Decimal("33000000.00")
    net_profit = Decimal("2400000.00")
    total_assets = Decimal("52000000.00")
    total_liabilities = Decimal("21000000.00")
    operating_cash_flow = Decimal("1800000.00")
    tax_credit_grade = "A"


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    organisation = factory.SubFactory(
        OrganisationFactory, kind=OrganisationKind.INSTITUTION, jurisdiction=Jurisdiction.MACAO
    )
    kind = InstitutionKind.MACAO_BANK
    licence_number = factory.Sequence(lambda n: f"AMCM-{n:05d}")
    aum_amount = Decimal("5000000000.00")
    aum_currency = "MOP"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"Tech credit loan {n}")
    instrument = Instrument.CREDIT_LOAN
    status = ProductStatus.PUBLISHED
    sectors = factory.LazyFunction(lambda: [Sector.INTEGRATED_CIRCUITS.value])
    stages = factory.LazyFunction(list)
    jurisdictions = factory.LazyFunction(lambda: [Jurisdiction.HENGQIN.value])
    currencies = factory.LazyFunction(lambda: ["CNY", "MOP"])
    ticket_currency = "CNY"
    ticket_min = Decimal("1000000.00")
    ticket_max = Decimal("20000000.00")
    term_min_months = 12
    term_max_months = 36
    rate_min_percent = Decimal("3.450")
    rate_max_percent = Decimal("4.800")
    active_from = dt.date(2026, 1, 1)
    thesis = "Working capital for chip designers in Hengqin."


class FinancingRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FinancingRequest

    enterprise = factory.SubFactory(EnterpriseFactory)
    title = factory.Sequence(lambda n: f"Expansion loan {n}")
    amount = Decimal("8000000.00")
    currency = "CNY"
    instruments = factory.LazyFunction(lambda: [Instrument.CREDIT_LOAN.value, Instrument.EQUITY.value])
    purpose = "Tape-out of our second-generation chip."
    use_of_funds = "Mask set and engineering samples."
    term_months = 24
    deadline = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=60))
    status = RequestStatus.OPEN
    submitted_at = factory.LazyFunction(timezone.now)


class DealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deal

    request = factory.SubFactory(FinancingRequestFactory)
    institution = factory.SubFactory(InstitutionFactory)
    stage = DealStage.INTEREST
    message = "We would like to discuss a credit line."


class DealEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealEvent

    deal = factory.SubFactory(DealFactory)
    from_stage = ""
    to_stage = DealStage.INTEREST
