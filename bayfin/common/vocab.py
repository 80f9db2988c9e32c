"""The platform's controlled vocabularies: one place for each list of choices.

Labels are lazy translations; stored values are the stable codes on the left.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Jurisdiction(models.TextChoices):
    HENGQIN = "hengqin", _("Hengqin")
    ZHUHAI = "zhuhai", _("Zhuhai")
    MACAO = "macao", _("Macao")
    HONG_KONG = "hong_kong", _("Hong Kong")
    GUANGZHOU = "guangzhou", _("Guangzhou")
    SHENZHEN = "shenzhen", _("Shenzhen")
    OTHER_GBA = "other_gba", _("Other Greater Bay Area")
    ELSEWHERE = "elsewhere", _("Elsewhere")


# Jurisdictions whose companies register with a Mainland USCC.
MAINLAND_JURISDICTIONS = frozenset(
    {Jurisdiction.HENGQIN, Jurisdiction.ZHUHAI, Jurisdiction.GUANGZHOU, Jurisdiction.SHENZHEN,
     Jurisdiction.OTHER_GBA}
)


class Stage(models.TextChoices):
    SEED = "seed", _("Seed")
    ANGEL = "angel", _("Angel")
    SERIES_A = "series_a", _("Series A")
    SERIES_B = "series_b", _("Series B")
    SERIES_C = "series_c", _("Series C")
    PRE_IPO = "pre_ipo", _("Pre-IPO")
    MATURE = "mature", _("Mature")


class Instrument(models.TextChoices):
    EQUITY = "equity", _("Equity")
    CONVERTIBLE = "convertible", _("Convertible")
    CREDIT_LOAN = "credit_loan", _("Credit loan")
    IP_PLEDGE_LOAN = "ip_pledge_loan", _("IP-pledge loan")
    EQUITY_PLEDGE_LOAN = "equity_pledge_loan", _("Equity-pledge loan")
    GUARANTEED_LOAN = "guaranteed_loan", _("Guaranteed loan")
    VENTURE_DEBT = "venture_debt", _("Venture debt")
    FINANCIAL_LEASING = "financial_leasing", _("Financial leasing")
    FACTORING = "factoring", _("Factoring")
    GUARANTEE = "guarantee", _("Guarantee")
    BOND = "bond", _("Bond")


LOAN_INSTRUMENTS = frozenset(
    {Instrument.CREDIT_LOAN, Instrument.IP_PLEDGE_LOAN, Instrument.EQUITY_PLEDGE_LOAN,
     Instrument.GUARANTEED_LOAN, Instrument.VENTURE_DEBT, Instrument.FINANCIAL_LEASING,
     Instrument.FACTORING}
)


class InstitutionKind(models.TextChoices):
    COMMERCIAL_BANK = "commercial_bank", _("Commercial bank")
    POLICY_BANK = "policy_bank", _("Policy bank")
    RURAL_CREDIT_COOPERATIVE = "rural_credit_cooperative", _("Rural credit cooperative")
    MACAO_BANK = "macao_bank", _("Macao bank")
    HONG_KONG_BANK = "hong_kong_bank", _("Hong Kong bank")
    SECURITIES_FIRM = "securities_firm", _("Securities firm")
    FUND_MANAGEMENT = "fund_management", _("Fund management company")
    VENTURE_CAPITAL = "venture_capital", _("Venture capital")
    PRIVATE_EQUITY = "private_equity", _("Private equity")
    ANGEL = "angel", _("Angel investor or network")
    GUIDANCE_FUND = "guidance_fund", _("Government guidance fund")
    QFLP_FUND = "qflp_fund", _("QFLP fund")
    GUARANTEE_COMPANY = "guarantee_company", _("Guarantee company")
    MICRO_CREDIT = "micro_credit", _("Micro-credit company")
    FINANCIAL_LEASING = "financial_leasing", _("Financial leasing")
    COMMERCIAL_FACTORING = "commercial_factoring", _("Commercial factoring")
    INSURANCE = "insurance", _("Insurance")
    TRUST = "trust", _("Trust")
    SUPPLY_CHAIN_FINANCE = "supply_chain_finance", _("Supply-chain finance")
    IP_FINANCE = "ip_finance", _("IP operation or IP finance service")


class CertificationKind(models.TextChoices):
    HNTE = "hnte", _("High and New Technology Enterprise (HNTE)")
    SCITECH_SME = "scitech_sme", _("Sci-tech SME")
    MACAO_TECH = "macao_tech", _("Macao technology enterprise")
    SRDI = "srdi", _("Specialised, refined, distinctive and novel (SRDI)")


class Qualification(models.TextChoices):
    """The sci-tech qualifications BayFin evaluates (the rule sets); an enterprise may
    publish one it meets as a badge on its public profile."""

    SCITECH_SME = "scitech_sme", _("Sci-tech SME")
    HNTE = "hnte", _("High and New Technology Enterprise (pre-check)")
    MACAO_TECH = "macao_tech", _("Macao technology enterprise")


class TaxCreditGrade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    M = "M", "M"
    C = "C", "C"
    D = "D", "D"


class SectorFamily(models.TextChoices):
    INFORMATION_TECHNOLOGY = "information_technology", _("Information technology")
    LIFE_SCIENCES = "life_sciences", _("Life sciences")
    ENERGY_AND_MATERIALS = "energy_and_materials", _("Energy and materials")
    INDUSTRY = "industry", _("Industry")
    FINANCE = "finance", _("Finance")
    SERVICES = "services", _("Services and consumption")


@dataclass(frozen=True)
class SectorInfo:
    code: str
    family: str
    naics2: str


class Sector(models.TextChoices):
    """Hengqin's key industries, each in a family and mapped to a NAICS 2-digit code."""

    INTEGRATED_CIRCUITS = "integrated_circuits", _("Integrated circuits and electronics")
    NEW_MATERIALS = "new_materials", _("New materials")
    NEW_ENERGY = "new_energy", _("New energy")
    BIOMEDICINE = "biomedicine", _("Biomedicine")
    TCM = "tcm", _("Traditional Chinese medicine")
    AI_BIG_DATA = "ai_big_data", _("AI and big data")
    IOT = "iot", _("Internet of things")
    ADVANCED_MANUFACTURING = "advanced_manufacturing", _("Advanced manufacturing")
    FINTECH = "fintech", _("Fintech")
    CULTURE_TOURISM = "culture_tourism", _("Culture and tourism")
    COMMERCE_LOGISTICS = "commerce_logistics", _("Commerce and logistics")


SECTORS: dict[str, SectorInfo] = {
    info.code: info
    for info in [
        SectorInfo(Sector.INTEGRATED_CIRCUITS, SectorFamily.INFORMATION_TECHNOLOGY, "33"),
        SectorInfo(Sector.AI_BIG_DATA, SectorFamily.INFORMATION_TECHNOLOGY, "51"),
        SectorInfo(Sector.IOT, SectorFamily.INFORMATION_TECHNOLOGY, "51"),
        SectorInfo(Sector.BIOMEDICINE, SectorFamily.LIFE_SCIENCES, "32"),
        SectorInfo(Sector.TCM, SectorFamily.LIFE_SCIENCES, "32"),
        SectorInfo(Sector.NEW_MATERIALS, SectorFamily.ENERGY_AND_MATERIALS, "32"),
        SectorInfo(Sector.NEW_ENERGY, SectorFamily.ENERGY_AND_MATERIALS, "22"),
        SectorInfo(Sector.ADVANCED_MANUFACTURING, SectorFamily.INDUSTRY, "33"),
        SectorInfo(Sector.FINTECH, SectorFamily.FINANCE, "52"),
        SectorInfo(Sector.CULTURE_TOURISM, SectorFamily.SERVICES, "71"),
        SectorInfo(Sector.COMMERCE_LOGISTICS, SectorFamily.SERVICES, "48"),
    ]
}


def sector_family(code: str) -> str:
    return SECTORS[code].family


def sectors_in_family(family: str) -> list[str]:
    return [code for code, info in SECTORS.items() if info.family == family]


def employee_band(employees: int) -> str:
    """The public, coarse form of a head count."""
    for upper, label in ((9, "1-9"), (49, "10-49"), (99, "50-99"), (299, "100-299"),
                         (499, "300-499")):
        if employees <= upper:
            return label
    return "500+"
