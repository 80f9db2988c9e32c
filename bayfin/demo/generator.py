"""A deterministic generator of believable, fictional Greater Bay Area demo data.

Pure Python: no Django, no global random state, no clock. Everything comes from
``seed``, the sizes and an explicit ``today``; the same arguments give the same data.
Each enterprise and institution is made from its own ``random.Random`` derived from the
seed and its index, so ``enterprise_at(i)`` is random access and the enterprise stream
can start anywhere (``iter_enterprises(start=...)``) for the large benchmark data sets.

Amounts are Decimal strings with 2 decimals, computed in integer cents (never floats).
Registration numbers are unique by construction from the index: a Mainland USCC encodes
the index in its organisation code (with the GB 32100-2015 check character from
python-stdnum), a Macao registry number and a Hong Kong BR number are bijections of it.

Cross-border money: a daily exchange-rate history (``rate_history``, business days only,
a gentle random walk in whole pips inside the pegs), declared cross-border debts of the
demo enterprise, and fixed organisations that show the channels of ``bayfin.fx.seed``
(a Macao bank, a Macao venture capital firm, a Mainland bank, a Hengqin and a Macao
enterprise). Deals name a product only when a seeded channel carries its money to the
request (``seeded_channel``, the pure engine on the seeded rules).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from typing import Any

from stdnum.cn import uscc

from bayfin.fx import seed as fx_seed
from bayfin.fx.engine.channels import ChannelRule, Flow, channels_for, parse_conditions

from . import vocabulary as V

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
_LETTERS = "ABCDEFGHJKLMNPQRTUWXY"
MACAO_BLOCK = 900_000  # 6-digit registry numbers per block ("123456", then "123456 SO")
MAX_ENTERPRISES = 31**6  # capacity of the USCC organisation-code encoding

DEMO_EMAIL_DOMAIN = "bayfin.demo"
# The questions the evaluation rules ask (bayfin.evaluation.selectors.QUESTIONS).
DECLARATION_QUESTIONS = (
    "restricted_industry", "serious_incident", "on_credit_blacklist", "national_award_top3",
    "provincial_rd_institution", "led_standard", "macao_scitech_main_business", "high_tech_income_share",
    "rd_in_china_share", "hnte_field", "macao_tier",
)
UNANSWERED_SHARE = 0.10  # enterprises that leave some questions unanswered
BADGE_SHARE = 0.30  # verified enterprises that publish their qualifications
GENERATED_EMAIL_DOMAIN = "generated.bayfin.demo"


def cents(value: int) -> str:
    """Integer cents as a 2-decimal string: 12345 -> '123.45', -5 -> '-0.05'."""
    return str(Decimal(value).scaleb(-2))


def basis_points(value: int) -> str:
    """Hundredths of a percent as a 2-decimal string: 2550 -> '25.50'."""
    return cents(value)


# ---------------------------------------------------------------------------------------
# Plain records


@dataclass
class UserData:
    key: str
    email: str
    first_name: str
    last_name: str
    is_admin: bool
    demo_login: str = ""  # the role label of a fixed demo login; "" for generated users
    is_staff: bool = False
    is_superuser: bool = False


@dataclass
class OrganisationData:
    key: str
    kind: str
    status: str
    jurisdiction: str
    name_zh_hans: str = ""
    name_zh_hant: str = ""
    name_en: str = ""
    name_pt: str = ""
    rejection_reason: str = ""
    verified_at: datetime | None = None
    users: list[UserData] = field(default_factory=list)


@dataclass
class OwnerData:
    name: str
    share_percent: str
    nationality: str


@dataclass
class CertificationData:
    kind: str
    number: str
    issued_on: date
    expires_on: date | None
    published: bool


@dataclass
class StatementData:
    year: int
    currency: str
    revenue: str
    rd_expense: str
    total_costs: str
    net_profit: str
    total_assets: str
    total_liabilities: str
    operating_cash_flow: str
    tax_credit_grade: str


@dataclass
class EnterpriseData:
    index: int
    organisation: OrganisationData
    registration_number: str
    founding_date: date
    employees: int
    tech_staff: int
    sector: str
    stage: str
    description: str
    currency: str
    invention_patents: int = 0
    utility_models: int = 0
    designs: int = 0
    software_copyrights: int = 0
    other_class_i: int = 0
    other_class_ii: int = 0
    owners: list[OwnerData] = field(default_factory=list)
    certifications: list[CertificationData] = field(default_factory=list)
    statements: list[StatementData] = field(default_factory=list)
    # Self-declared answers in their stored JSON form (bayfin.evaluation.services.clean_answer).
    declarations: dict[str, Any] = field(default_factory=dict)
    publishes_badges: bool = False  # shows its qualifications on its public profile while they hold


@dataclass
class ProductData:
    index: int
    institution_index: int
    name: str
    instrument: str
    status: str
    sectors: list[str]
    stages: list[str]
    jurisdictions: list[str]
    currencies: list[str]
    ticket_currency: str
    ticket_min: str
    ticket_max: str
    term_min_months: int | None
    term_max_months: int | None
    rate_min_percent: str | None
    rate_max_percent: str | None
    pricing_note: str
    min_years_operating: int
    min_revenue_amount: str | None
    min_revenue_currency: str
    required_certifications: list[str]
    cross_border: bool
    active_from: date
    active_until: date | None
    thesis: str


@dataclass
class InstitutionData:
    index: int
    organisation: OrganisationData
    kind: str
    licence_number: str
    aum_amount: str | None
    aum_currency: str
    description: str
    currency: str
    associations: list[str] = field(default_factory=list)


@dataclass
class RequestData:
    index: int
    enterprise_index: int
    title: str
    amount: str
    currency: str
    instruments: list[str]
    purpose: str
    use_of_funds: str
    term_months: int | None
    deadline: date
    status: str
    created_at: datetime
    submitted_at: datetime | None
    channel: str = ""  # the preferred channel's code (bayfin.fx.seed), "" for none


@dataclass
class DealEventData:
    from_stage: str
    to_stage: str
    actor: str  # "enterprise" or "institution": the side's first user acts
    comment: str
    at: datetime


@dataclass
class DealData:
    index: int
    request_index: int
    institution_index: int
    product_index: int | None
    stage: str
    message: str
    created_at: datetime
    events: list[DealEventData] = field(default_factory=list)
    channel: str = ""  # the seeded channel that carries the product's money ("" without a product)


@dataclass
class DebtData:
    """A cross-border debt an enterprise declares (borrowed outside the platform)."""

    enterprise_index: int
    lender: str
    channel: str  # a seeded channel's code
    balance: str
    currency: str
    term_months: int
    drawn_on: date
    off_balance: bool = False


@dataclass(frozen=True)
class RateData:
    """1 ``base`` = ``rate`` ``quote`` on ``day``."""

    day: date
    base: str
    quote: str
    rate: str
    source: str


@dataclass(frozen=True)
class Sizes:
    enterprises: int = 1500
    institutions: int = 300
    products: int = 600
    requests: int = 800
    deals: int = 400

    @classmethod
    def small(cls) -> Sizes:
        return cls(enterprises=60, institutions=30, products=45, requests=50, deals=30)


@dataclass
class Dataset:
    operator: OrganisationData
    observer: OrganisationData
    enterprises: list[EnterpriseData]
    institutions: list[InstitutionData]
    associations: list[str]
    products: list[ProductData]
    requests: list[RequestData]
    deals: list[DealData]
    debts: list[DebtData] = field(default_factory=list)
    rates: list[RateData] = field(default_factory=list)

    def organisations(self) -> Iterator[OrganisationData]:
        yield self.operator
        yield self.observer
        for e in self.enterprises:
            yield e.organisation
        for i in self.institutions:
            yield i.organisation

    def demo_logins(self) -> list[tuple[UserData, OrganisationData]]:
        return [(u, o) for o in self.organisations() for u in o.users if u.demo_login]


# ---------------------------------------------------------------------------------------
# Helpers


def _base31(n: int, width: int) -> str:
    chars = []
    for _ in range(width):
        n, r = divmod(n, 31)
        chars.append(USCC_ALPHABET[r])
    return "".join(reversed(chars))


def make_uscc(index: int, region: str, rng: random.Random) -> str:
    """A valid USCC, unique for each index < 31**6: "91" + region + "MA" + letter + 6 chars + check."""
    if not 0 <= index < MAX_ENTERPRISES:
        raise ValueError("index out of the USCC encoding's range")
    # 7919 is coprime with 31**6, so this is a bijection that spreads consecutive indexes.
    body = "91" + region + "MA" + rng.choice(_LETTERS) + _base31((index * 7919 + 104729) % MAX_ENTERPRISES, 6)
    return body + uscc.calc_check_digit(body)


def make_macao_number(index: int) -> str:
    """A Macao commercial registry number, unique per index < 2 * 900,000."""
    block, rest = divmod(index, MACAO_BLOCK)
    number = str((rest * 7919 + 12345) % MACAO_BLOCK + 100_000 if block == 0 else (rest * 7919 + 54321) % MACAO_BLOCK + 100_000)
    return number if block == 0 else f"{number} SO"


def make_hk_number(index: int) -> str:
    """A Hong Kong BR number (8 digits), unique per index < 90,000,000."""
    return f"{(index * 7919 + 3_141_592) % 90_000_000 + 10_000_000:08d}"


def make_other_number(index: int) -> str:
    return f"EXT-{index:09d}"


def _pick_weighted(rng: random.Random, options: list[tuple[str, int]]) -> str:
    total = sum(w for _, w in options)
    roll = rng.randrange(total)
    for value, weight in options:
        roll -= weight
        if roll < 0:
            return value
    return options[-1][0]


# Two-syllable brands that belong to real companies are never used.
_REAL_BRANDS = frozenset({"华泰", "安信", "信达", "华安", "银华", "鹏华", "汇丰", "恒丰", "信和", "创维", "华信",
                          "新华", "华星", "海丰", "嘉和", "光华", "金航", "恒安", "安华", "泰和", "华润"})


def _brand(rng: random.Random) -> tuple[str, str, str, str]:
    while True:
        a, b = rng.sample(V.SYLLABLES, 2)
        if a[0] + b[0] not in _REAL_BRANDS and a[0] != b[0]:
            return a[0] + b[0], a[1] + b[1], a[2] + b[2].lower(), a[3] + " " + b[3]


def _utc(d: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=UTC)


STAGE_BY_AGE = [  # (max age in years, stage weights)
    (2, [("seed", 6), ("angel", 4)]),
    (5, [("seed", 1), ("angel", 4), ("series_a", 4), ("series_b", 1)]),
    (10, [("angel", 1), ("series_a", 4), ("series_b", 4), ("series_c", 2)]),
    (15, [("series_b", 2), ("series_c", 4), ("pre_ipo", 2), ("mature", 3)]),
    (99, [("series_c", 1), ("pre_ipo", 2), ("mature", 7)]),
]
EMPLOYEES_BY_STAGE = {"seed": (3, 20), "angel": (5, 45), "series_a": (15, 150), "series_b": (40, 320),
                      "series_c": (80, 650), "pre_ipo": (200, 1600), "mature": (60, 5000)}
REVENUE_YUAN_BY_STAGE = {"seed": (80_000, 2_000_000), "angel": (300_000, 8_000_000),
                         "series_a": (2_000_000, 40_000_000), "series_b": (10_000_000, 150_000_000),
                         "series_c": (40_000_000, 500_000_000), "pre_ipo": (150_000_000, 2_000_000_000),
                         "mature": (30_000_000, 3_000_000_000)}
STAGE_ORDER = {s: i for i, s in enumerate(V.STAGES)}

INSTRUMENTS_BY_KIND = {
    "commercial_bank": ["credit_loan", "ip_pledge_loan", "equity_pledge_loan", "guaranteed_loan"],
    "policy_bank": ["credit_loan", "guaranteed_loan"],
    "rural_credit_cooperative": ["credit_loan", "guaranteed_loan"],
    "macao_bank": ["credit_loan", "ip_pledge_loan", "guaranteed_loan"],
    "hong_kong_bank": ["credit_loan", "venture_debt", "guaranteed_loan"],
    "securities_firm": ["equity", "convertible", "equity_pledge_loan"],
    "fund_management": ["equity", "convertible"],
    "venture_capital": ["equity", "convertible", "venture_debt"],
    "private_equity": ["equity", "convertible"],
    "angel": ["equity", "convertible"],
    "guidance_fund": ["equity"],
    "qflp_fund": ["equity", "convertible"],
    "guarantee_company": ["guarantee"],
    "micro_credit": ["credit_loan"],
    "financial_leasing": ["financial_leasing"],
    "commercial_factoring": ["factoring"],
    "insurance": ["guarantee"],
    "trust": ["credit_loan", "equity"],
    "supply_chain_finance": ["factoring"],
    "ip_finance": ["ip_pledge_loan"],
}
EQUITY_LIKE = {"equity", "convertible"}
STAGES_BY_KIND = {
    "angel": ["seed", "angel"], "venture_capital": ["angel", "series_a", "series_b"],
    "private_equity": ["series_b", "series_c", "pre_ipo"], "qflp_fund": ["series_a", "series_b", "series_c", "pre_ipo"],
    "guidance_fund": ["angel", "series_a", "series_b"], "fund_management": ["series_b", "series_c", "pre_ipo"],
    "securities_firm": ["series_c", "pre_ipo", "mature"],
}
# Institution names: (simplified suffix, traditional suffix, English suffix, Portuguese pattern or "").
INSTITUTION_NAMES = {
    "commercial_bank": ("商业银行股份有限公司", "商業銀行股份有限公司", "Commercial Bank Co., Ltd.", "Banco Comercial {b}, S.A."),
    "policy_bank": ("科技发展银行", "科技發展銀行", "Sci-Tech Development Bank", ""),
    "rural_credit_cooperative": ("农村信用合作联社", "農村信用合作聯社", "Rural Credit Cooperative", ""),
    "macao_bank": ("灣區銀行", "灣區銀行", "Bay Bank (Macau)", "Banco {b} da Baía, S.A."),
    "hong_kong_bank": ("港湾银行有限公司", "港灣銀行有限公司", "Harbour Bank Limited", ""),
    "securities_firm": ("证券股份有限公司", "證券股份有限公司", "Securities Co., Ltd.", ""),
    "fund_management": ("基金管理有限公司", "基金管理有限公司", "Fund Management Co., Ltd.", "Sociedade Gestora de Fundos {b}, S.A."),
    "venture_capital": ("创业投资管理有限公司", "創業投資管理有限公司", "Venture Capital", "{b} Capital de Risco, Limitada"),
    "private_equity": ("股权投资基金管理有限公司", "股權投資基金管理有限公司", "Private Equity Partners", "{b} Capital Privado, Limitada"),
    "angel": ("天使投资俱乐部", "天使投資俱樂部", "Angel Network", "Rede de Investidores-Anjo {b}"),
    "guidance_fund": ("科技创新引导基金", "科技創新引導基金", "Sci-Tech Innovation Guidance Fund", ""),
    "qflp_fund": ("QFLP股权投资基金", "QFLP股權投資基金", "QFLP Equity Fund", ""),
    "guarantee_company": ("融资担保有限公司", "融資擔保有限公司", "Financing Guarantee Co., Ltd.", ""),
    "micro_credit": ("小额贷款有限公司", "小額貸款有限公司", "Micro-Credit Co., Ltd.", ""),
    "financial_leasing": ("融资租赁有限公司", "融資租賃有限公司", "Financial Leasing Co., Ltd.", ""),
    "commercial_factoring": ("商业保理有限公司", "商業保理有限公司", "Commercial Factoring Co., Ltd.", ""),
    "insurance": ("财产保险股份有限公司", "財產保險股份有限公司", "Insurance Co., Ltd.", "Companhia de Seguros {b}, S.A."),
    "trust": ("信托有限责任公司", "信託有限責任公司", "Trust Co., Ltd.", ""),
    "supply_chain_finance": ("供应链金融服务有限公司", "供應鏈金融服務有限公司", "Supply Chain Finance Co., Ltd.", ""),
    "ip_finance": ("知识产权运营有限公司", "知識產權運營有限公司", "IP Operations Co., Ltd.", ""),
}
JURISDICTIONS_BY_KIND = {
    "macao_bank": [("macao", 1)], "hong_kong_bank": [("hong_kong", 1)],
    "qflp_fund": [("hengqin", 3), ("shenzhen", 1)], "guidance_fund": [("hengqin", 2), ("zhuhai", 2), ("guangzhou", 1), ("shenzhen", 1)],
    "venture_capital": [("hengqin", 2), ("shenzhen", 3), ("macao", 2), ("hong_kong", 2), ("guangzhou", 1)],
    "private_equity": [("shenzhen", 2), ("hong_kong", 2), ("macao", 1), ("hengqin", 1), ("guangzhou", 1)],
    "angel": [("macao", 2), ("hong_kong", 2), ("shenzhen", 2), ("hengqin", 1)],
    "insurance": [("macao", 1), ("hong_kong", 1), ("guangzhou", 1), ("shenzhen", 1)],
    "fund_management": [("shenzhen", 2), ("guangzhou", 1), ("hong_kong", 1), ("macao", 1)],
}
MAINLAND_WEIGHTS = [("hengqin", 3), ("zhuhai", 2), ("guangzhou", 2), ("shenzhen", 3), ("other_gba", 2)]
TICKET_YUAN = {  # typical ticket range in the main currency unit
    "credit_loan": (500_000, 30_000_000), "ip_pledge_loan": (1_000_000, 50_000_000),
    "equity_pledge_loan": (2_000_000, 100_000_000), "guaranteed_loan": (300_000, 20_000_000),
    "venture_debt": (2_000_000, 80_000_000), "financial_leasing": (1_000_000, 100_000_000),
    "factoring": (200_000, 30_000_000), "guarantee": (500_000, 30_000_000),
    "equity": (1_000_000, 200_000_000), "convertible": (1_000_000, 80_000_000),
}
TERMS = {
    "credit_loan": (6, 36), "ip_pledge_loan": (12, 36), "equity_pledge_loan": (12, 36),
    "guaranteed_loan": (6, 36), "venture_debt": (12, 48), "financial_leasing": (12, 60),
    "factoring": (1, 12), "guarantee": (12, 36), "convertible": (12, 36),
}
RATES_BP = {  # indicative yearly rate in basis points (hundredths of a percent)
    "credit_loan": (310, 650), "ip_pledge_loan": (330, 600), "equity_pledge_loan": (380, 750),
    "guaranteed_loan": (300, 550), "venture_debt": (700, 1200), "financial_leasing": (450, 900),
    "factoring": (500, 1000), "guarantee": (80, 300), "convertible": (400, 800),
}
PRODUCT_NAMES = {  # (Chinese, English, Portuguese)
    "credit_loan": [("科创信用贷", "Sci-Tech Credit Loan", "Crédito Tecnológico"), ("湾区成长贷", "Bay Area Growth Loan", "Empréstimo Crescimento Baía")],
    "ip_pledge_loan": [("知识产权质押贷", "IP Pledge Loan", "Empréstimo com Penhor de PI"), ("专利融资贷", "Patent Financing Loan", "Financiamento de Patentes")],
    "equity_pledge_loan": [("股权质押贷", "Equity Pledge Loan", "Empréstimo com Penhor de Participações")],
    "guaranteed_loan": [("政银担保贷", "Government-Backed Guaranteed Loan", "Empréstimo Garantido")],
    "venture_debt": [("投贷联动贷", "Venture Debt Facility", "Dívida de Risco")],
    "financial_leasing": [("设备融资租赁", "Equipment Financial Leasing", "Locação Financeira de Equipamentos")],
    "factoring": [("应收账款保理", "Receivables Factoring", "Factoring de Créditos")],
    "guarantee": [("科技企业融资担保", "Sci-Tech Financing Guarantee", "Garantia de Financiamento")],
    "equity": [("早期股权投资", "Early-Stage Equity", "Capital de Risco Inicial"), ("成长期股权投资", "Growth Equity", "Capital de Crescimento")],
    "convertible": [("可转债投资", "Convertible Note Programme", "Programa de Obrigações Convertíveis")],
}
PURPOSES = [  # (Chinese, English, Portuguese) purpose / use of funds
    ("扩大产能，建设新生产线", "Expand capacity with a new production line", "Expandir a capacidade com uma nova linha de produção"),
    ("研发下一代产品并申请发明专利", "Develop the next product generation and file invention patents", "Desenvolver a próxima geração de produtos e registar patentes"),
    ("补充流动资金，支持订单交付", "Working capital to deliver confirmed orders", "Fundo de maneio para entregar encomendas confirmadas"),
    ("拓展葡语国家及东南亚市场", "Enter Portuguese-speaking and Southeast Asian markets", "Entrar nos mercados lusófonos e do Sudeste Asiático"),
    ("在横琴建设研发中心", "Build an R&D centre in Hengqin", "Construir um centro de I&D em Hengqin"),
    ("采购关键设备与检测仪器", "Buy key equipment and test instruments", "Adquirir equipamento e instrumentos de teste"),
]


# ---------------------------------------------------------------------------------------
# Exchange rates

DEMO_RATE_SOURCE = "BayFin demo (central parity style)"
RATE_HISTORY_DAYS = 400
# The pairs stored each business day, in this order: each rate is checked on entry against
# the ones stored before it on the same day (bayfin.fx.engine.rates.check_rate), so the
# pegged pairs come first and the crosses (HKD/CNY, EUR/CNY) are derived from them.
RATE_PAIRS: tuple[tuple[str, str], ...] = (
    ("USD", "CNY"), ("USD", "HKD"), ("HKD", "MOP"), ("USD", "MOP"), ("HKD", "CNY"), ("EUR", "USD"), ("EUR", "CNY"),
)
PIP = Decimal("0.0001")


@dataclass(frozen=True)
class RateWalk:
    """A random walk in whole pips (0.0001) that stays in [low, high] and drifts back to the centre."""

    low: int
    high: int
    step: int  # the largest daily move
    pull: int  # each day 1/pull of the distance to the centre is recovered

    @property
    def centre(self) -> int:
        return (self.low + self.high) // 2

    def start(self, rng: random.Random) -> int:
        quarter = (self.high - self.low) // 4
        return rng.randint(self.centre - quarter, self.centre + quarter)

    def next(self, value: int, rng: random.Random) -> int:
        gap = self.centre - value
        pull = gap // self.pull if gap >= 0 else -(-gap // self.pull)  # symmetric, towards the centre
        value += rng.randint(-self.step, self.step) + pull
        if value > self.high:
            value = 2 * self.high - value
        if value < self.low:
            value = 2 * self.low - value
        return min(max(value, self.low), self.high)


# The walked pairs; the others are derived from them each day.
RATE_WALKS: dict[tuple[str, str], RateWalk] = {
    ("USD", "CNY"): RateWalk(71000, 73000, step=45, pull=60),  # 7.10-7.30
    ("USD", "HKD"): RateWalk(77600, 78400, step=12, pull=30),  # inside the 7.75-7.85 band
    ("HKD", "MOP"): RateWalk(10290, 10310, step=2, pull=10),  # the pataca's peg at 1.03
    ("EUR", "USD"): RateWalk(10300, 11200, step=60, pull=80),  # 1.03-1.12
}


def business_days(first: date, last: date) -> Iterator[date]:
    """Monday to Friday from ``first`` to ``last`` inclusive (no rates at weekends)."""
    day = first
    while day <= last:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


def _q(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def rates_for_day(day: date, state: Mapping[tuple[str, str], int]) -> list[RateData]:
    """One business day's rates, in ``RATE_PAIRS`` order, from the walked pairs' pips."""
    usd_cny = state[("USD", "CNY")] * PIP
    usd_hkd = state[("USD", "HKD")] * PIP
    hkd_mop = state[("HKD", "MOP")] * PIP
    eur_usd = state[("EUR", "USD")] * PIP
    values = {
        ("USD", "CNY"): usd_cny, ("USD", "HKD"): usd_hkd, ("HKD", "MOP"): hkd_mop,
        ("USD", "MOP"): _q(usd_hkd * hkd_mop, 4),
        ("HKD", "CNY"): _q(usd_cny / usd_hkd, 6),
        ("EUR", "USD"): eur_usd,
        ("EUR", "CNY"): _q(eur_usd * usd_cny, 4),
    }
    return [RateData(day, base, quote, str(values[(base, quote)]), DEMO_RATE_SOURCE) for base, quote in RATE_PAIRS]


def rate_history(seed: int, today: date, days: int = RATE_HISTORY_DAYS) -> list[RateData]:
    """The demo's rates for every business day of the ``days`` days up to ``today``, in insertion order."""
    rng = random.Random(f"{seed}:fx")
    state = {pair: walk.start(rng) for pair, walk in RATE_WALKS.items()}
    out: list[RateData] = []
    for n, day in enumerate(business_days(today - timedelta(days=days - 1), today)):
        if n:
            state = {pair: RATE_WALKS[pair].next(value, rng) for pair, value in state.items()}
        out.extend(rates_for_day(day, state))
    return out


def extend_rate_history(last: Mapping[tuple[str, str], Decimal], after: date, today: date) -> list[RateData]:
    """The history continued from the walked pairs' rates on ``after`` to ``today`` (deterministic)."""
    rng = random.Random(f"fx:{after.isoformat()}")
    state = {pair: min(max(int((last[pair] / PIP).to_integral_value()), walk.low), walk.high)
             for pair, walk in RATE_WALKS.items()}
    out: list[RateData] = []
    for day in business_days(after + timedelta(days=1), today):
        state = {pair: RATE_WALKS[pair].next(value, rng) for pair, value in state.items()}
        out.extend(rates_for_day(day, state))
    return out


# ---------------------------------------------------------------------------------------
# Channels: the seeded rules, evaluated by the pure engine


@cache
def seeded_channel_rules() -> tuple[ChannelRule, ...]:
    return tuple(
        ChannelRule(code=c["code"], from_jurisdictions=frozenset(c["from_jurisdictions"]),
                    to_jurisdictions=frozenset(c["to_jurisdictions"]), instruments=frozenset(c["instruments"]),
                    lender_currencies=frozenset(c["lender_currencies"]),
                    borrower_currencies=frozenset(c["borrower_currencies"]),
                    conditions=parse_conditions(c.get("conditions") or []), limit_rule=c.get("limit_rule", "none"),
                    priority=c.get("priority", 100))
        for c in fx_seed.CHANNELS)


def open_channels(jurisdiction: str, currency: str, instruments: list[str]) -> list[str]:
    """Seeded channels that could carry money to such a request from some lender (its preferred channel)."""
    return [r.code for r in seeded_channel_rules()
            if jurisdiction in r.to_jurisdictions and currency in r.borrower_currencies
            and set(instruments) & r.instruments]


def _share(rng: random.Random, low: int, high: int) -> str:
    """A percentage in tenths, as the declaration form stores it: 725 -> "72.5", 700 -> "70"."""
    return format(Decimal(rng.randint(low, high)).scaleb(-1).normalize(), "f")


def _years_operating(founding: date, on: date) -> int:
    return on.year - founding.year - ((on.month, on.day) < (founding.month, founding.day))


def seeded_channel(req: RequestData, ent: EnterpriseData, inst: InstitutionData, product: ProductData,
                   on: date) -> str:
    """The seeded channel that carries ``product``'s money to ``req`` (as ``fx.selectors.channel_answer``
    would answer on the seeded channels), or "" when none does."""
    flow = Flow(
        lender_jurisdiction=inst.organisation.jurisdiction,
        enterprise_jurisdiction=ent.organisation.jurisdiction,
        instruments=frozenset(req.instruments) & {product.instrument},
        lender_currency=product.ticket_currency,
        borrower_currency=req.currency,
        facts={
            "institution.kind": inst.kind,
            "enterprise.certifications": frozenset(
                c.kind for c in ent.certifications
                if c.issued_on <= on and (c.expires_on is None or on <= c.expires_on)),
            "enterprise.years_operating": _years_operating(ent.founding_date, on),
            "request.term_months": req.term_months,
        },
    )
    best = channels_for(flow, seeded_channel_rules()).best
    return best.code if best else ""


@dataclass(frozen=True)
class ShowcaseProduct:
    """A product of a fixed demo institution, chosen to show one channel."""

    institution_index: int
    instrument: str
    currency: str
    other_currencies: tuple[str, ...]
    jurisdictions: tuple[str, ...]
    name: str


SHOWCASE_PRODUCTS = (
    # The Macao bank: an RMB loan to Hengqin (cross-border RMB loan); patacas and Hong Kong
    # dollars (foreign debt for a Hengqin enterprise, local lending for a Macao one).
    ShowcaseProduct(0, "credit_loan", "CNY", (), ("hengqin",), "Crédito Transfronteiriço em Renminbi para Hengqin"),
    ShowcaseProduct(0, "credit_loan", "MOP", ("HKD",), ("hengqin", "macao", "zhuhai"), "Bay Growth Loan (MOP / HKD)"),
    ShowcaseProduct(0, "ip_pledge_loan", "HKD", ("MOP",), ("hengqin", "macao"), "Empréstimo com Penhor de PI (HKD)"),
    # The Macao venture capital firm: equity through a QFLP fund, venture debt as foreign debt.
    ShowcaseProduct(1, "equity", "USD", ("MOP", "HKD"), ("hengqin", "zhuhai", "macao"),
                    "Hengqin QFLP Growth Equity (USD)"),
    ShowcaseProduct(1, "convertible", "MOP", (), ("hengqin", "macao"), "Nota Convertível em Patacas"),
    ShowcaseProduct(1, "venture_debt", "USD", (), ("hengqin", "zhuhai"), "Venture Debt Facility (USD)"),
    # The Mainland bank: domestic RMB lending, and lending to Macao enterprises.
    ShowcaseProduct(2, "credit_loan", "CNY", ("HKD", "MOP"), ("zhuhai", "hengqin", "macao"), "湾区科创信用贷（含澳门企业）"),
    ShowcaseProduct(2, "ip_pledge_loan", "CNY", (), ("zhuhai", "hengqin"), "知识产权质押贷"),
)


# ---------------------------------------------------------------------------------------
# The generator


class DemoGenerator:
    """Makes the demo data set. ``dataset()`` for the whole thing; ``iter_enterprises`` to stream."""

    def __init__(self, seed: int = 2026, sizes: Sizes | None = None, *, today: date) -> None:
        self.seed = seed
        self.sizes = sizes or Sizes()
        self.today = today
        self.first_year = today.year - 3  # three years of statements: the last full years

    def _rng(self, *parts: object) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    # -- enterprises ------------------------------------------------------------------

    def iter_enterprises(self, count: int | None = None, *, start: int = 0,
                         details: bool = True) -> Iterator[EnterpriseData]:
        """Enterprises ``start .. start+count-1`` one at a time (memory stays flat).

        ``details=False`` skips owners, certifications and statements (faster).
        """
        stop = start + (self.sizes.enterprises if count is None else count)
        for index in range(start, stop):
            yield self.enterprise_at(index, details=details)

    def enterprise_at(self, index: int, *, details: bool = True) -> EnterpriseData:
        rng = self._rng("e", index)
        today = self.today
        if index == 0:
            jurisdiction, sector, status = "hengqin", "integrated_circuits", "verified"
        elif index == 1:
            jurisdiction, sector, status = "zhuhai", "ai_big_data", "pending"
        elif index == 2:  # the demo Macao enterprise (Mainland banks lend to it; Macao banks locally)
            jurisdiction, sector, status = "macao", "tcm", "verified"
        else:
            jurisdiction = _pick_weighted(rng, [("hengqin", 28), ("zhuhai", 14), ("macao", 16),
                                                ("hong_kong", 10), ("guangzhou", 10), ("shenzhen", 14),
                                                ("other_gba", 6), ("elsewhere", 2)])
            if jurisdiction == "macao" and index >= 2 * MACAO_BLOCK:
                jurisdiction = "hengqin"  # the Macao registry numbering is full
            sector = rng.choice(V.SECTORS)
            roll = rng.randrange(1000)
            status = "pending" if roll < 30 else "rejected" if roll < 36 else "verified"
        currency = V.CURRENCY_OF.get(jurisdiction, "CNY")
        if jurisdiction == "elsewhere" and rng.random() < 0.5:
            currency = "EUR"

        # Founding date and a stage that fits the age.
        if index == 0:
            founding = date(2017, 3, 15)
            stage = "series_b"
        elif index == 1:  # the pending enterprise: a small AI firm just short of sci-tech SME status
            founding = date(2020, 4, 20)
            stage = "series_a"
        elif index == 2:
            founding = date(2015, 10, 8)
            stage = "series_a"
        else:
            earliest = date(1998, 1, 1).toordinal()
            latest = min(today - timedelta(days=120), date(2025, 12, 31)).toordinal()
            # Younger firms are more common: the later of two draws.
            founding = date.fromordinal(max(rng.randint(earliest, latest), rng.randint(earliest, latest)))
            age = (today - founding).days // 365
            stage = next(_pick_weighted(rng, w) for limit, w in STAGE_BY_AGE if age < limit)
        lo, hi = EMPLOYEES_BY_STAGE[stage]
        employees = {0: 86, 1: 46}.get(index) or rng.randint(lo, hi)
        tech_share = {0: 62, 1: 24}.get(index) or rng.randint(
            15, 80 if sector in ("integrated_circuits", "ai_big_data", "biomedicine") else 55)
        tech_staff = max(1, employees * tech_share // 100)

        org = self._enterprise_organisation(rng, index, jurisdiction, sector, status)
        if jurisdiction in V.MAINLAND:
            registration = make_uscc(index, rng.choice(V.REGION_CODES[jurisdiction]), rng)
        elif jurisdiction == "macao":
            registration = make_macao_number(index)
        elif jurisdiction == "hong_kong":
            registration = make_hk_number(index)
        else:
            registration = make_other_number(index)

        ent = EnterpriseData(
            index=index, organisation=org, registration_number=registration, founding_date=founding,
            employees=employees, tech_staff=tech_staff, sector=sector, stage=stage,
            description=self._description(rng, jurisdiction, sector, org), currency=currency,
        )
        tech_heavy = tech_staff // 4 + 1
        ent.invention_patents = 14 if index == 0 else rng.randint(0, tech_heavy)
        ent.utility_models = 23 if index == 0 else rng.randint(0, tech_heavy * 2)
        ent.designs = rng.randint(0, 6)
        ent.software_copyrights = 31 if index == 0 else rng.randint(0, tech_heavy * 2)
        ent.other_class_i = rng.randint(0, 2) if rng.random() < 0.1 else 0
        ent.other_class_ii = rng.randint(0, 5) if rng.random() < 0.2 else 0
        if index == 1:  # two Class II items (a utility model, a software copyright), no Class I
            ent.invention_patents, ent.other_class_i = 0, 0
            ent.utility_models, ent.designs, ent.software_copyrights, ent.other_class_ii = 1, 0, 1, 0
        if details:
            ent.owners = self._owners(rng, jurisdiction)
            ent.statements = self._statements(rng, ent)
            ent.certifications = self._certifications(rng, ent)
            ent.declarations = self._declarations(ent)
            ent.publishes_badges = index == 0 or (
                status == "verified" and self._rng("badges", index).random() < BADGE_SHARE)
        return ent

    def _enterprise_organisation(self, rng: random.Random, index: int, jurisdiction: str, sector: str,
                                 status: str) -> OrganisationData:
        place = rng.choice(V.PLACES[jurisdiction])
        word = rng.choice(V.SECTOR_WORDS[sector])
        if index == 0:
            brand = ("芯微", "芯微", "Xinwei", "Sum Mei")
            word = V.SECTOR_WORDS["integrated_circuits"][0]
        else:
            brand = _brand(rng)
        hans = hant = en = pt = ""
        if jurisdiction in V.MAINLAND:
            hans = f"{place[0]}{brand[0]}{word[0]}科技有限公司"
            if index == 0 or rng.random() < 0.7:
                en = f"{place[2]} {brand[2]} {word[2]} Co., Ltd."
            if index == 0 or rng.random() < 0.15:
                hant = f"{place[1]}{brand[1]}{word[1]}科技有限公司"
            if index == 0 or (jurisdiction == "hengqin" and rng.random() < 0.15):
                pt = f"Sociedade de Tecnologia {word[3]} {brand[2]} (Hengqin), Limitada"
        elif jurisdiction == "macao":
            sole = rng.random() < 0.3
            if rng.random() < 0.95:
                hant = f"{place[1]}{brand[1]}{word[1]}{'一人' if sole else ''}有限公司"
            if not hant or rng.random() < 0.85:
                pt = (f"Sociedade de Tecnologia {word[3]} {brand[2]}, "
                      f"{'Sociedade Unipessoal ' if sole else ''}Limitada")
            if rng.random() < 0.5:
                en = f"{brand[2]} {word[2]} (Macau) Company Limited"
            if rng.random() < 0.2:
                hans = f"{place[0]}{brand[0]}{word[0]}有限公司"
        elif jurisdiction == "hong_kong":
            en = f"{brand[3]} {word[2]} Limited"
            if rng.random() < 0.8:
                hant = f"{brand[1]}{word[1]}有限公司"
        else:
            en = f"{brand[2]} {word[2]} {'Pte. Ltd.' if place[2] == 'Singapore' else 'Lda.'}"
        rejection = ""
        if status == "rejected":
            rejection = rng.choice([
                "The registration number does not match the business licence provided.",
                "Beneficial ownership could not be verified; please upload the shareholder register.",
                "营业执照已过期，请上传有效证照。",
            ])
        org = OrganisationData(
            key=f"e{index}", kind="enterprise", status=status, jurisdiction=jurisdiction,
            name_zh_hans=hans, name_zh_hant=hant, name_en=en, name_pt=pt, rejection_reason=rejection,
            verified_at=_utc(self.today - timedelta(days=rng.randint(20, 700))) if status == "verified" else None,
        )
        org.users = self._users(rng, org.key, members=1 if rng.random() < 0.3 else 0)
        return org

    def _users(self, rng: random.Random, key: str, *, members: int) -> list[UserData]:
        users = []
        for n in range(1 + members):
            if rng.random() < 0.6:
                first, last = rng.choice(V.GIVEN_ZH), rng.choice(V.SURNAMES_ZH)
            else:
                first, last = rng.choice(V.GIVEN_PT + V.GIVEN_EN), rng.choice(V.SURNAMES_HK + V.SURNAMES_PT)
            users.append(UserData(key=f"{key}.u{n}", email=f"{key}.u{n}@{GENERATED_EMAIL_DOMAIN}",
                                  first_name=first, last_name=last, is_admin=n == 0))
        return users

    def _description(self, rng: random.Random, jurisdiction: str, sector: str, org: OrganisationData) -> str:
        zh, zh_market, en, en_market, pt, pt_market = rng.choice(V.SECTOR_TEXT[sector])
        if jurisdiction in V.MAINLAND:
            language = "zh" if rng.random() < 0.8 else "en"
        elif jurisdiction == "macao":
            language = _pick_weighted(rng, [("pt", 4), ("zh", 3), ("en", 3)])
        else:
            language = "en" if rng.random() < 0.8 else "zh"
        years = rng.randint(3, 15)
        if language == "zh":
            return (f"公司专注于{zh}的研发、生产与销售，产品主要面向{zh_market}。核心团队拥有{years}年行业经验，"
                    f"已与大湾区多家客户建立长期合作。")
        if language == "pt":
            return (f"A empresa desenvolve e comercializa {pt} para {pt_market}. A equipa fundadora tem "
                    f"{years} anos de experiência no setor e clientes em toda a Grande Baía.")
        return (f"We design, make and sell {en} for {en_market}. The founding team brings {years} years "
                f"of industry experience and serves customers across the Greater Bay Area.")

    def _owners(self, rng: random.Random, jurisdiction: str) -> list[OwnerData]:
        count = rng.choice((1, 2, 2, 3, 3, 4))
        remaining = 10_000  # basis points
        owners = []
        for n in range(count):
            if n == count - 1:
                share = remaining if rng.random() < 0.7 else remaining * rng.randint(50, 95) // 100
            else:
                share = rng.randint(500, max(600, remaining - 500 * (count - n - 1)))
                share = min(share, remaining - 100 * (count - n - 1))
            remaining -= share
            name, nationality = self._person(rng, jurisdiction)
            owners.append(OwnerData(name=name, share_percent=basis_points(share), nationality=nationality))
        return owners

    def _person(self, rng: random.Random, jurisdiction: str) -> tuple[str, str]:
        roll = rng.random()
        if jurisdiction == "macao":
            if roll < 0.6:
                return rng.choice(V.SURNAMES_ZH) + rng.choice(V.GIVEN_ZH), "MO"
            if roll < 0.85:
                return f"{rng.choice(V.GIVEN_PT)} {rng.choice(V.SURNAMES_PT)}", rng.choice(("MO", "PT"))
            return rng.choice(V.SURNAMES_ZH) + rng.choice(V.GIVEN_ZH), "CN"
        if jurisdiction == "hong_kong":
            if roll < 0.8:
                return f"{rng.choice(V.SURNAMES_HK)} {rng.choice(V.GIVEN_HK)}", "HK"
            return f"{rng.choice(V.GIVEN_EN)} {rng.choice(V.SURNAMES_EN)}", rng.choice(("SG", "GB", "US"))
        if jurisdiction == "elsewhere":
            return f"{rng.choice(V.GIVEN_EN)} {rng.choice(V.SURNAMES_EN)}", rng.choice(("SG", "PT", "DE", "US"))
        if roll < 0.88:
            return rng.choice(V.SURNAMES_ZH) + rng.choice(V.GIVEN_ZH), "CN"
        if roll < 0.95:
            return rng.choice(V.SURNAMES_ZH) + rng.choice(V.GIVEN_ZH), "MO"
        return f"{rng.choice(V.SURNAMES_HK)} {rng.choice(V.GIVEN_HK)}", "HK"

    def _statements(self, rng: random.Random, ent: EnterpriseData) -> list[StatementData]:
        lo, hi = REVENUE_YUAN_BY_STAGE[ent.stage]
        revenue = rng.randint(lo, hi) * 100  # cents
        if ent.index == 0:
            revenue = 68_000_000 * 100
        elif ent.index == 1:
            revenue = 16_500_000 * 100
        statements = []
        for year in range(self.first_year, self.first_year + 3):
            if year < ent.founding_date.year:
                continue
            if year == ent.founding_date.year:
                revenue = revenue * rng.randint(20, 60) // 100  # a partial first year
            rd = revenue * rng.randint(200, 1500) // 10_000
            if ent.index == 0:  # a steady 7-9.5% of sales: the R&D a sci-tech SME and an HNTE need
                rd = revenue * rng.randint(700, 950) // 10_000
            elif ent.index == 1:  # around 3.5% of sales: 20 of the 50 R&D points, so it falls short
                rd = revenue * rng.randint(330, 370) // 10_000
            margin_bp = rng.randint(-2500, 2200) if ent.index else rng.randint(800, 1500)
            costs = max(rd, revenue * (10_000 - margin_bp) // 10_000)
            pre_tax = revenue - costs
            net = pre_tax * rng.randint(75, 88) // 100 if pre_tax > 0 else pre_tax
            assets = revenue * (rng.randint(60, 260) if ent.index > 1 else rng.randint(90, 140)) // 100
            liabilities = assets * rng.randint(15, 75) // 100
            cash_flow = net + revenue * rng.randint(-800, 1200) // 10_000
            grade = "" if rng.random() < 0.05 else _pick_weighted(
                rng, [("A", 35), ("B", 38), ("M", 17 if year - ent.founding_date.year < 2 else 4), ("C", 6), ("D", 2)])
            statements.append(StatementData(
                year=year, currency=ent.currency, revenue=cents(revenue), rd_expense=cents(rd),
                total_costs=cents(costs), net_profit=cents(net), total_assets=cents(assets),
                total_liabilities=cents(liabilities), operating_cash_flow=cents(cash_flow),
                tax_credit_grade=grade,
            ))
            # The demo enterprise grows steadily and stays under RMB 100 million of sales.
            revenue = revenue * (rng.randint(85, 160) if ent.index else rng.randint(108, 118)) // 100
        return statements

    def _certifications(self, rng: random.Random, ent: EnterpriseData) -> list[CertificationData]:
        kinds: list[str] = []
        if ent.index == 1:
            return []  # the pending enterprise is working towards its first certificate
        mainland = ent.organisation.jurisdiction in V.MAINLAND
        if mainland and (ent.index == 0 or (ent.tech_staff * 100 >= ent.employees * 10 and rng.random() < 0.45)):
            kinds.append("hnte")
        if mainland and (ent.index == 0 or rng.random() < 0.35):
            kinds.append("scitech_sme")
        if mainland and STAGE_ORDER[ent.stage] >= 3 and (ent.index == 0 or rng.random() < 0.15):
            kinds.append("srdi")
        if ent.organisation.jurisdiction == "macao" and (ent.index == 2 or rng.random() < 0.3):
            kinds.append("macao_tech")
        certs = []
        first = max(ent.founding_date + timedelta(days=180), self.today - timedelta(days=3 * 365))
        for kind in kinds:
            if first >= self.today:
                break
            issued = date.fromordinal(rng.randint(first.toordinal(), (self.today - timedelta(days=1)).toordinal()))
            years = 3 if kind in ("hnte", "srdi", "macao_tech") else 1
            certs.append(CertificationData(
                kind=kind, number=f"{kind.upper()[:2]}{issued.year}{rng.randint(10000, 99999)}",
                issued_on=issued, expires_on=issued.replace(year=issued.year + years) if issued.month != 2 or issued.day != 29 else issued + timedelta(days=365 * years),
                published=ent.index == 0 or rng.random() < 0.8,
            ))
        return certs

    def _declarations(self, ent: EnterpriseData) -> dict[str, Any]:
        """The enterprise's self-declared answers, in their stored JSON form.

        Mostly clean (no restricted industry, incident or list status), a small share with an
        incident or on a list, rare awards, R&D institutions and standards led; the HNTE field
        from the sector. About one in ten leaves some questions unanswered. The demo enterprise
        (index 0) and the pending one (index 1) answer everything, clean.
        """
        rng = self._rng("q", ent.index)
        field_code = V.HNTE_FIELD_OF_SECTOR[ent.sector]
        in_field = field_code != V.NO_HNTE_FIELD
        macao = ent.organisation.jurisdiction == "macao"
        grown = STAGE_ORDER[ent.stage] >= STAGE_ORDER["series_b"]
        answers: dict[str, Any] = {
            "restricted_industry": rng.random() < 0.015,
            "serious_incident": rng.random() < 0.03,
            "on_credit_blacklist": rng.random() < 0.03,
            "national_award_top3": rng.random() < (0.02 if grown else 0.003),
            "provincial_rd_institution": rng.random() < (0.08 if grown else 0.015),
            "led_standard": rng.random() < (0.05 if grown else 0.01),
            "hnte_field": field_code,
            # Percentages with one decimal ("72.5"): high-tech income is low outside the eight fields.
            "high_tech_income_share": _share(rng, 400, 950) if in_field else _share(rng, 0, 350),
            "rd_in_china_share": _share(rng, 400, 950) if not macao else _share(rng, 0, 300),
            "macao_scitech_main_business": rng.random() < (0.9 if in_field else 0.25),
        }
        if macao and rng.random() < 0.5:
            answers["macao_tier"] = _pick_weighted(rng, [("potential", 5), ("growth", 3), ("key", 1)])
        if ent.index in (0, 1):
            clean = dict.fromkeys(("restricted_industry", "serious_incident", "on_credit_blacklist",
                                   "national_award_top3", "provincial_rd_institution", "led_standard"), False)
            answers.update(clean, macao_scitech_main_business=True)
            if ent.index == 0:  # a chip designer: nearly all its income is high-tech, its R&D in Hengqin
                answers.update(high_tech_income_share="86.5", rd_in_china_share="97.5")
            return answers
        if rng.random() < UNANSWERED_SHARE:
            for question in rng.sample(sorted(answers), rng.randint(1, 3)):
                del answers[question]
        return answers

    # -- institutions and products ----------------------------------------------------

    def institutions(self) -> list[InstitutionData]:
        return [self.institution_at(i) for i in range(self.sizes.institutions)]

    def institution_at(self, index: int) -> InstitutionData:
        rng = self._rng("i", index)
        kinds = V.INSTITUTION_KINDS
        if index == 0:
            kind, status = "macao_bank", "verified"
        elif index == 1:
            kind, status = "venture_capital", "verified"
        elif index == 2:
            kind, status = "commercial_bank", "verified"
        else:
            # Every kind early on (the rest is weighted towards banks and funds).
            kind = kinds[(index - 2) % len(kinds)] if index - 2 < len(kinds) else _pick_weighted(
                rng, [(k, 6 if k in ("commercial_bank", "venture_capital", "private_equity") else
                       3 if k in ("macao_bank", "hong_kong_bank", "guarantee_company", "angel") else 2)
                      for k in kinds])
            roll = rng.randrange(100)
            status = "verified" if index - 2 < len(kinds) or roll >= 4 else ("pending" if roll >= 1 else "rejected")
        jurisdiction = _pick_weighted(rng, JURISDICTIONS_BY_KIND.get(kind, MAINLAND_WEIGHTS))
        if index == 1:
            jurisdiction = "macao"  # the demo VC: Macao money into Hengqin goes through a QFLP fund
        elif index == 2:
            jurisdiction = "zhuhai"  # the demo Mainland bank
        currency = V.CURRENCY_OF.get(jurisdiction, "CNY")
        place = rng.choice(V.PLACES[jurisdiction])
        brand = ("商业", "商業", "Comercial", "") if index == 0 else ("澜海", "瀾海", "Lanhai", "") if index == 1 else _brand(rng)
        zh_s, zh_t, en_s, pt_pattern = INSTITUTION_NAMES[kind]
        hans = hant = en = pt = ""
        if index == 0:
            hant, hans, en, pt = "灣區商業銀行", "湾区商业银行", "Bay Commercial Bank (Macau)", "Banco Comercial da Baía, S.A."
        elif index == 1:
            hant, en, pt = "瀾海創業投資有限公司", "Lanhai Venture Capital (Macau) Limited", "Lanhai Capital de Risco, Limitada"
        elif jurisdiction in ("macao", "hong_kong"):
            hant = f"{place[1] if kind not in ('macao_bank', 'hong_kong_bank') else ''}{brand[1]}{zh_t}"
            en = f"{brand[2] if jurisdiction == 'macao' else brand[3]} {en_s}"
            if jurisdiction == "macao" and pt_pattern:
                pt = pt_pattern.format(b=brand[2])
        else:
            hans = f"{place[0]}{brand[0]}{zh_s}"
            if rng.random() < 0.8:
                en = f"{place[2]} {brand[2]} {en_s}"
        org = OrganisationData(
            key=f"i{index}", kind="institution", status=status, jurisdiction=jurisdiction,
            name_zh_hans=hans, name_zh_hant=hant, name_en=en, name_pt=pt,
            rejection_reason="The licence number could not be found in the regulator's register." if status == "rejected" else "",
            verified_at=_utc(self.today - timedelta(days=rng.randint(30, 800))) if status == "verified" else None,
        )
        org.users = self._users(rng, org.key, members=rng.choice((0, 1, 1)))
        if jurisdiction == "macao":
            licence = f"AMCM-{kind[:3].upper()}-{1000 + index:05d}"
        elif jurisdiction == "hong_kong":
            licence = f"HK-{'HKMA' if 'bank' in kind else 'SFC'}-{rng.randint(10000, 99999)}{index % 10}"
        elif kind in ("venture_capital", "private_equity", "angel", "guidance_fund", "qflp_fund", "fund_management"):
            licence = f"P10{index:05d}"  # fund-manager registration style
        else:
            licence = f"B{index:04d}H{rng.choice(V.REGION_CODES.get(jurisdiction, ('440400',)))}{rng.randint(1, 9999):04d}"
        aum = None
        if kind != "angel" or rng.random() < 0.3:
            scale = 1000 if "bank" in kind or kind in ("insurance", "trust", "policy_bank") else 10
            aum = cents(rng.randint(scale * 10_000_000, scale * 500_000_000) * 100)
        associations = []
        for name in V.ASSOCIATIONS:
            fits = (("Capital de Risco" in name or "Venture" in name) and kind in ("venture_capital", "angel", "private_equity")) \
                or ("Banks" in name and kind == "macao_bank") \
                or ("Equity" in name and kind in ("qflp_fund", "private_equity", "guidance_fund")) \
                or ("Guarantee" in name and kind == "guarantee_company") \
                or ("Leasing" in name and kind in ("financial_leasing", "commercial_factoring", "supply_chain_finance")) \
                or ("Sci-Tech" in name and rng.random() < 0.25)
            if fits and (("Macau" not in name and "Macao" not in name) or jurisdiction == "macao") \
                    and ("Hong Kong" not in name or jurisdiction == "hong_kong"):
                associations.append(name)
        description = rng.choice([
            f"{hans or hant}是一家服务大湾区科技企业的{zh_s.replace('有限公司', '').replace('股份', '')}机构。",
            "We back technology companies across the Greater Bay Area, from Hengqin to Hong Kong.",
            "Apoiamos empresas tecnológicas de Macau e da Grande Baía.",
        ]) if index else "澳門本地銀行，服務橫琴粵澳深度合作區的科技企業。"
        return InstitutionData(index=index, organisation=org, kind=kind, licence_number=licence,
                               aum_amount=aum, aum_currency=currency if aum else "", description=description,
                               currency=currency, associations=associations)

    def products(self, institutions: list[InstitutionData]) -> list[ProductData]:
        verified = [i for i in institutions if i.organisation.status == "verified"]
        if not verified:
            return []
        products = []
        # The fixed institutions (the demo bank, the demo VC, the Mainland bank) get their
        # showcase products; the rest spread at random.
        fixed = {i.index: i for i in verified if i.index in (0, 1, 2)}
        owners: list[tuple[InstitutionData, ShowcaseProduct | None]] = [
            (fixed[spec.institution_index], spec) for spec in SHOWCASE_PRODUCTS if spec.institution_index in fixed]
        rng = self._rng("products")
        while len(owners) < self.sizes.products:
            owners.append((rng.choice(verified), None))
        for n, (inst, spec) in enumerate(owners[: self.sizes.products]):
            products.append(self._product(n, inst, spec))
        return products

    def _product(self, index: int, inst: InstitutionData, spec: ShowcaseProduct | None = None) -> ProductData:
        rng = self._rng("p", index)
        instrument = spec.instrument if spec else rng.choice(INSTRUMENTS_BY_KIND[inst.kind])
        cur = spec.currency if spec else inst.currency
        lo, hi = TICKET_YUAN[instrument]
        if cur in ("USD", "EUR"):
            lo, hi = lo // 7, hi // 7
        ticket_min = rng.randint(lo, (lo + hi) // 4) // 10_000 * 10_000
        ticket_max = max(ticket_min * 2, rng.randint((lo + hi) // 4, hi) // 100_000 * 100_000)
        jurisdictions = sorted({inst.organisation.jurisdiction, *rng.sample(V.JURISDICTIONS[:7], rng.randint(0, 3))})
        if rng.random() < 0.15:
            jurisdictions = []  # any
        currencies = [cur] + ([c for c in ("CNY", "HKD", "MOP", "USD") if c != cur][: rng.randint(0, 2)] if rng.random() < 0.3 else [])
        term = TERMS.get(instrument)
        term_min = term_max = None
        if term:
            term_min = rng.randint(term[0], (term[0] + term[1]) // 2)
            term_max = rng.randint(term_min, term[1])
        elif rng.random() < 0.5:  # equity: a fund horizon
            term_min, term_max = 36, rng.choice((60, 72, 84))
        rate_min = rate_max = None
        note = ""
        if instrument in RATES_BP:
            a, b = RATES_BP[instrument]
            r1 = rng.randint(a, b)
            rate_min, rate_max = basis_points(r1), basis_points(rng.randint(r1, b + 150))
            note = rng.choice(["LPR + 50–150 bp, by credit rating", "Fee rate depends on collateral",
                               "按企业信用评级定价", "Taxa indicativa, sujeita a aprovação de crédito", ""])
        else:
            note = rng.choice(["Minority stakes of 5–20%", "领投或跟投，占股不超过20%", "Participações minoritárias"])
        sectors = sorted(rng.sample(V.SECTORS, rng.randint(1, 4))) if rng.random() < 0.7 else []
        stages = STAGES_BY_KIND.get(inst.kind) or (sorted(rng.sample(V.STAGES, rng.randint(2, 5)), key=STAGE_ORDER.__getitem__)
                                                   if rng.random() < 0.6 else [])
        active_from = self.today - timedelta(days=rng.randint(30, 900))
        status = _pick_weighted(rng, [("published", 85), ("draft", 10), ("archived", 5)])
        active_until = None
        if status == "archived":
            active_until = self.today - timedelta(days=rng.randint(1, 25))
        elif rng.random() < 0.4:
            active_until = self.today + timedelta(days=rng.randint(90, 900))
        zh, en, pt = rng.choice(PRODUCT_NAMES[instrument])
        if inst.organisation.jurisdiction == "macao":
            name = rng.choice((pt, en, zh))
        elif inst.organisation.jurisdiction == "hong_kong":
            name = en
        else:
            name = zh if rng.random() < 0.7 else en
        sector_label = ", ".join(V.SECTOR_WORDS[s][0][2].lower() for s in sectors) if sectors else "all sectors"
        thesis = rng.choice([
            f"重点支持大湾区{'、'.join(V.SECTOR_WORDS[s][0][0] for s in sectors) or '各类科技'}企业，关注核心技术与知识产权。",
            f"We look for Greater Bay Area companies in {sector_label} with defensible IP and a path to profit.",
            "Apoiamos empresas tecnológicas com ligação a Macau e aos países de língua portuguesa.",
        ])
        min_revenue = None
        if instrument not in EQUITY_LIKE and rng.random() < 0.4:
            min_revenue = cents(rng.choice((1, 2, 5, 10, 20)) * 1_000_000 * 100)
        required = ["hnte"] if rng.random() < 0.15 else ["scitech_sme"] if rng.random() < 0.1 else []
        cross_border = len(currencies) > 1 or any(j not in V.MAINLAND for j in jurisdictions) and inst.organisation.jurisdiction in V.MAINLAND
        if spec:  # published, open to the demo enterprises, in the showcase currencies and places
            name, status, active_until, required, min_revenue = spec.name, "published", None, [], None
            currencies = [cur, *spec.other_currencies]
            jurisdictions = sorted(spec.jurisdictions)
            lender_mainland = inst.organisation.jurisdiction in V.MAINLAND
            cross_border = len(currencies) > 1 or any((j in V.MAINLAND) != lender_mainland for j in jurisdictions)
            sectors = sorted({*sectors, "integrated_circuits"}) if instrument in EQUITY_LIKE and sectors else []
            # ... and fitting the demo enterprises' own requests, so their matches show the institutions
            # they deal with: lenders at every stage, investors at Series B too, tickets from 500k.
            stages = (sorted({*stages, "series_b"}, key=STAGE_ORDER.__getitem__)
                      if instrument in EQUITY_LIKE and stages else [])
            ticket_min = min(ticket_min, 500_000)
            ticket_max = max(ticket_max, 20_000_000)
        return ProductData(
            index=index, institution_index=inst.index, name=name, instrument=instrument, status=status,
            sectors=sectors, stages=list(stages), jurisdictions=jurisdictions, currencies=currencies,
            ticket_currency=cur, ticket_min=cents(ticket_min * 100), ticket_max=cents(ticket_max * 100),
            term_min_months=term_min, term_max_months=term_max, rate_min_percent=rate_min,
            rate_max_percent=rate_max, pricing_note=note,
            min_years_operating=0 if instrument in EQUITY_LIKE else rng.choice((0, 1, 2, 3)),
            min_revenue_amount=min_revenue, min_revenue_currency=cur if min_revenue else "",
            required_certifications=required, cross_border=cross_border,
            active_from=active_from, active_until=active_until, thesis=thesis,
        )

    # -- requests and deals -----------------------------------------------------------

    def requests(self, enterprises: list[EnterpriseData]) -> list[RequestData]:
        verified = [e for e in enterprises if e.organisation.status == "verified"]
        if not verified:
            return []
        rng = self._rng("requests")
        out: list[RequestData] = []
        # The demo enterprise: two open requests (a loan through the cross-border RMB loan
        # channel, equity through a QFLP fund), one in progress, one draft, one funded.
        # The demo Macao enterprise: an open loan request it means to take from a Mainland bank.
        demo = [e for e in verified if e.index == 0]
        macao = [e for e in verified if e.index == 2 and e.organisation.jurisdiction == "macao"]
        plan: list[tuple[EnterpriseData, str, str]] = []
        if demo:
            plan += [(demo[0], "open", "cross-border-rmb-loan"), (demo[0], "open", "qflp-equity")]
            plan += [(demo[0], s, "") for s in ("in_progress", "draft", "funded")]
        if macao:
            plan.append((macao[0], "open", "mainland-bank-to-macao"))
        plan += [(verified[n % len(verified)], s, "") for n, s in enumerate(V.REQUEST_STATUSES)]  # every status
        weights = [("open", 40), ("in_progress", 14), ("draft", 10), ("funded", 10), ("closed", 8),
                   ("withdrawn", 6), ("expired", 12)]
        while len(plan) < self.sizes.requests:
            plan.append((rng.choice(verified), _pick_weighted(rng, weights), ""))
        for n, (ent, status, channel) in enumerate(plan[: self.sizes.requests]):
            out.append(self._request(n, ent, status, channel))
        return out

    def _request(self, index: int, ent: EnterpriseData, status: str, channel: str = "") -> RequestData:
        rng = self._rng("r", index)
        today = self.today
        equity_ok = STAGE_ORDER[ent.stage] <= 5
        pool = ["credit_loan", "ip_pledge_loan", "guaranteed_loan", "factoring", "financial_leasing"]
        if equity_ok:
            pool += ["equity", "convertible", "equity", "venture_debt"]
        instruments = sorted(set(rng.sample(pool, rng.randint(1, 3))))
        if ent.index == 0:
            instruments = sorted({"credit_loan", "ip_pledge_loan", "equity"} if index % 2 == 0 else {"equity", "convertible"})
        elif channel == "mainland-bank-to-macao":
            instruments = ["credit_loan", "guaranteed_loan"]
        lo = 500_000 if STAGE_ORDER[ent.stage] < 2 else 3_000_000
        amount = rng.randint(lo // 100_000, lo * 20 // 100_000) * 100_000
        zh, en, pt = rng.choice(PURPOSES)
        lang = ("pt" if rng.random() < 0.4 else "en") if ent.organisation.jurisdiction == "macao" else (
            "en" if ent.organisation.jurisdiction in ("hong_kong", "elsewhere") else "zh")
        purpose = {"zh": zh, "en": en, "pt": pt}[lang]
        title = purpose[:200]  # the amount has its own column; titles say what the money is for
        use_of_funds = {"zh": "设备采购40%，研发投入35%，市场拓展25%。",
                        "en": "40% equipment, 35% R&D, 25% market expansion.",
                        "pt": "40% equipamento, 35% I&D, 25% expansão comercial."}[lang]
        created = today - timedelta(days=rng.randint(5, 420))
        if status in ("open", "in_progress", "draft"):
            created = today - timedelta(days=rng.randint(1, 60))
            deadline = today + timedelta(days=rng.randint(7, 150))
        elif status == "expired":
            deadline = today - timedelta(days=rng.randint(1, 120))
            created = min(created, deadline - timedelta(days=30))
        else:
            deadline = created + timedelta(days=rng.randint(30, 120))
        term = None if set(instruments) <= EQUITY_LIKE else rng.choice((6, 12, 24, 36))
        if channel not in open_channels(ent.organisation.jurisdiction, ent.currency, instruments):
            channel = ""
        return RequestData(
            index=index, enterprise_index=ent.index, title=title, amount=cents(amount * 100),
            currency=ent.currency, instruments=instruments, purpose=purpose, use_of_funds=use_of_funds,
            term_months=term, deadline=deadline, status=status,
            created_at=_utc(created, rng.randint(8, 18), rng.randint(0, 59)),
            submitted_at=None if status == "draft" else _utc(created, 19, rng.randint(0, 59)),
            channel=channel,
        )

    def deals(self, requests: list[RequestData], institutions: list[InstitutionData],
              products: list[ProductData], enterprises: list[EnterpriseData]) -> list[DealData]:
        verified = [i for i in institutions if i.organisation.status == "verified"]
        if not verified:
            return []
        rng = self._rng("deals")
        by_inst: dict[int, list[ProductData]] = {}
        for p in products:
            if p.status == "published":
                by_inst.setdefault(p.institution_index, []).append(p)
        stage_for = {  # request status -> the stages its deals can be at
            "open": [("interest", 6), ("declined", 2), ("withdrawn", 1)],
            "in_progress": [("accepted", 4), ("interest", 2), ("declined", 1)],
            "funded": [("withdrawn", 3), ("accepted", 1), ("declined", 1)],
            "closed": [("closed", 3), ("declined", 2)],
            "withdrawn": [("closed", 1)],
            "expired": [("closed", 2), ("declined", 1)],
        }
        live = [r for r in requests if r.status in stage_for]
        if not live:
            return []
        plan: list[tuple[RequestData, InstitutionData, str]] = []
        used: set[tuple[int, int]] = set()

        def add(req: RequestData, inst: InstitutionData, stage: str) -> None:
            if (req.index, inst.index) not in used:
                used.add((req.index, inst.index))
                plan.append((req, inst, stage))

        bank = next((i for i in verified if i.index == 0), None)
        vc = next((i for i in verified if i.index == 1), None)
        demo_open = [r for r in live if r.enterprise_index == 0 and r.status == "open"]
        demo_progress = [r for r in live if r.enterprise_index == 0 and r.status == "in_progress"]
        others = [i for i in verified if i.index > 1]
        # Incoming interest for the demo enterprise, from the demo bank, the demo VC and others.
        for req in demo_open:
            for inst in [bank, vc, *others[:2]]:
                if inst:
                    add(req, inst, "interest")
        for req in demo_progress:
            if bank:
                add(req, bank, "accepted")
        # The Macao enterprise's loan request: a Mainland bank and the Macao bank are interested.
        mainland_bank = next((i for i in verified if i.index == 2 and i.organisation.jurisdiction in V.MAINLAND), None)
        for req in [r for r in live if r.channel == "mainland-bank-to-macao"][:1]:
            for inst in (mainland_bank, bank):
                if inst:
                    add(req, inst, "interest")
        # The demo bank has deals at every stage.
        if bank:
            for stage, statuses in (("interest", ("open",)), ("accepted", ("in_progress",)),
                                    ("declined", ("open", "closed")), ("withdrawn", ("funded",)),
                                    ("closed", ("closed",))):
                for req in [r for r in live if r.status in statuses and r.enterprise_index != 0][:2]:
                    add(req, bank, stage)
        # Every stage at least once, then at random.
        for stage in V.DEAL_STAGES:
            req = next(r for r in live if stage in dict(stage_for[r.status]) or r is live[-1])
            add(req, rng.choice(verified), stage if stage in dict(stage_for[req.status]) else "closed")
        ent_by_index = {e.index: e for e in enterprises}

        def can_serve(req: RequestData, inst: InstitutionData) -> bool:
            ent = ent_by_index[req.enterprise_index]
            return any(p.instrument in req.instruments and seeded_channel(req, ent, inst, p, self.today)
                       for p in by_inst.get(inst.index, []))

        tries = 0
        while len(plan) < self.sizes.deals and tries < self.sizes.deals * 20:
            tries += 1
            req = rng.choice(live)
            # Mostly institutions with a product that can reach the request (a few looks).
            candidates = [rng.choice(verified) for _ in range(6)]
            inst = next((i for i in candidates if can_serve(req, i)), candidates[0])
            add(req, inst, _pick_weighted(rng, stage_for[req.status]))
        return [self._deal(n, req, inst, stage, by_inst.get(inst.index, []), ent_by_index[req.enterprise_index])
                for n, (req, inst, stage) in enumerate(plan)]

    def _deal(self, index: int, req: RequestData, inst: InstitutionData, stage: str,
              products: list[ProductData], ent: EnterpriseData) -> DealData:
        rng = self._rng("d", index)
        # A deal names a product only when a channel carries its money to the request; one
        # that fits the request's preferred channel, when there is one.
        fitting = [(p, code) for p in products if p.instrument in req.instruments
                   for code in [seeded_channel(req, ent, inst, p, self.today)] if code]
        place = ent.organisation.jurisdiction
        fitting = [(p, c) for p, c in fitting if not p.jurisdictions or place in p.jurisdictions] or fitting
        preferred = [(p, code) for p, code in fitting if req.channel and code == req.channel]
        product, channel = None, ""
        if preferred:
            product, channel = rng.choice(preferred)
        elif fitting and rng.random() < 0.8:
            product, channel = rng.choice(fitting)
        lang = "pt" if inst.organisation.jurisdiction == "macao" and rng.random() < 0.5 else rng.choice(("zh", "en"))
        message = {
            "zh": "您好，我们对贵司的融资需求很感兴趣，希望进一步了解经营情况并安排尽职调查。",
            "en": "We are interested in your request and would like to schedule a call to discuss terms.",
            "pt": "Temos interesse no vosso pedido e gostaríamos de marcar uma reunião para discutir as condições.",
        }[lang]
        start = (req.submitted_at or req.created_at) + timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 8))
        cap = _utc(self.today) - timedelta(hours=1)
        start = min(start, cap - timedelta(days=3))
        events = [DealEventData("", "interest", "institution", message, start)]
        at = start
        path = {"interest": [], "accepted": ["accepted"], "declined": ["declined"],
                "withdrawn": ["accepted", "withdrawn"],
                "closed": rng.choice((["closed"], ["accepted", "closed"]))}[stage]
        prev = "interest"
        for step in path:
            at = min(at + timedelta(days=rng.randint(1, 20)), cap)
            # Either side declines; only the enterprise withdraws; the platform closes a deal
            # when its request ends (the transition table in bayfin.financing.transitions).
            actor = {"accepted": "enterprise", "withdrawn": "enterprise", "closed": "system",
                     "declined": rng.choice(("enterprise", "institution"))}[step]
            comment = {"accepted": "Accepted: let's proceed.", "declined": "Thank you; not a fit at this time.",
                       "withdrawn": "We have raised what we needed; thank you.",
                       "closed": f"The request became {req.status}."}[step]
            events.append(DealEventData(prev, step, actor, comment, at))
            prev = step
        return DealData(index=index, request_index=req.index, institution_index=inst.index,
                        product_index=product.index if product else None, stage=stage, message=message,
                        created_at=start, events=events, channel=channel)

    # -- fixed organisations and the whole data set -----------------------------------

    def dataset(self) -> Dataset:
        enterprises = list(self.iter_enterprises())
        institutions = self.institutions()
        products = self.products(institutions)
        requests = self.requests(enterprises)
        deals = self.deals(requests, institutions, products, enterprises)
        operator = OrganisationData(key="operator", kind="operator", status="verified", jurisdiction="hengqin",
                                    name_en="BayFin Operations", name_zh_hans="BayFin 运营",
                                    verified_at=_utc(self.today - timedelta(days=900)))
        observer = OrganisationData(key="observer", kind="observer", status="verified", jurisdiction="macao",
                                    name_en="Financial Services Bureau (demo)",
                                    name_zh_hant="金融服務局（演示）",
                                    name_pt="Direção dos Serviços de Finanças (demo)",
                                    verified_at=_utc(self.today - timedelta(days=900)))
        self._attach_demo_logins(operator, observer, enterprises, institutions)
        return Dataset(operator=operator, observer=observer, enterprises=enterprises,
                       institutions=institutions, associations=list(V.ASSOCIATIONS), products=products,
                       requests=requests, deals=deals, debts=self.debts(enterprises),
                       rates=rate_history(self.seed, self.today))

    def debts(self, enterprises: list[EnterpriseData]) -> list[DebtData]:
        """The demo enterprise's outstanding cross-border debts, borrowed before it joined the platform:
        an RMB loan from the demo Macao bank and a short US-dollar loan from a Hong Kong bank."""
        if not any(e.index == 0 and e.organisation.status == "verified" for e in enterprises):
            return []
        return [
            DebtData(enterprise_index=0, lender="Banco Comercial da Baía, S.A.", channel="cross-border-rmb-loan",
                     balance=cents(5_000_000 * 100), currency="CNY", term_months=24,
                     drawn_on=self.today - timedelta(days=270)),
            DebtData(enterprise_index=0, lender="Sing Hoi Harbour Bank Limited (demo)",
                     channel="cross-border-direct-loan", balance=cents(1_200_000 * 100), currency="USD",
                     term_months=9, drawn_on=self.today - timedelta(days=120)),
        ]

    def _attach_demo_logins(self, operator: OrganisationData, observer: OrganisationData,
                            enterprises: list[EnterpriseData], institutions: list[InstitutionData]) -> None:
        def login(org: OrganisationData, name: str, role: str, first: str, last: str, *, admin: bool = True,
                  staff: bool = False) -> None:
            user = UserData(key=f"demo.{name}", email=f"{name}@{DEMO_EMAIL_DOMAIN}", first_name=first,
                            last_name=last, is_admin=admin, demo_login=role, is_staff=staff, is_superuser=staff)
            org.users.insert(0 if admin else 1, user)
            if admin:
                for other in org.users[1:]:
                    other.is_admin = False

        login(operator, "operator", "Operator (staff, superuser)", "Olivia", "Operator", staff=True)
        login(observer, "observer", "Observer (government)", "Ho", "Observer")
        ents = {e.index: e for e in enterprises[:2]}
        insts = {i.index: i for i in institutions[:2]}
        if 0 in ents:
            login(ents[0].organisation, "enterprise", "Enterprise admin (verified chip designer, Hengqin)", "Chen", "Xinwei")
            login(ents[0].organisation, "enterprise2", "Enterprise member (same enterprise, not admin)",
                  "Lin", "Xinwei", admin=False)
        if 1 in ents:
            login(ents[1].organisation, "pending", "Enterprise admin (pending verification)", "Zhou", "Pending")
        if 0 in insts:
            login(insts[0].organisation, "institution", "Institution admin (verified Macao bank)", "Ana", "Baía")
        if 1 in insts:
            login(insts[1].organisation, "vc", "Institution admin (Macao venture capital fund)", "Victor", "Lanhai")
