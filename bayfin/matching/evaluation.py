"""``bayfin matching evaluate``: run a labelled scenario file through the engine and two baselines.

The file format is specified in docs/matching.md ("Scenario files"). ``load`` reads and checks a
file and raises ``ScenarioError`` with every problem at once, each naming the field's path
(``products[3].ticket_max``) and the reason; ``build`` turns it into the engine's codebook, product
rows and queries (embedding the texts with the platform's embedder); ``run`` is the command.

Channels: unless a product says ``"channel": true|false``, whether money can flow from its
institution to an enterprise is decided by the platform's seeded cross-border channels
(``bayfin.fx.seed``) through the pure ``channels_for``, optionally restricted to the channel codes
the product lists in ``"channels"``. Channel limits (the MPA cap, quotas) are not modelled here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from django.conf import settings

from bayfin.common.money import CURRENCIES, MoneyError, parse_amount
from bayfin.common.vocab import (
    CertificationKind,
    InstitutionKind,
    Instrument,
    Jurisdiction,
    Qualification,
    Sector,
    Stage,
)
from bayfin.fx import seed as fx_seed
from bayfin.fx.engine.channels import ChannelRule, Flow, channels_for, parse_conditions
from bayfin.scoring.engine.grades import GRADES

from .engine.embed import combine, get_embedder
from .engine.evaluate import OVERALL, RUNS, Evaluation, Scenario, evaluate
from .engine.focus import product_focus
from .engine.index import build_index
from .engine.types import Codebook, ProductRow, Query, RecordTable
from .engine.weights import CURRENT, WEIGHTS

FORMAT = "bayfin-matching-scenarios/1"
DEFAULT_PATH = Path("tests/data/matching/scenarios.json")
MAX_GRADE = 3
EPOCH = date(1970, 1, 1)


class ScenarioError(ValueError):
    """A scenario file that cannot be used: ``errors`` = [(field path, reason), ...]."""

    def __init__(self, errors: Sequence[tuple[str, str]]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(f"{path}: {reason}" for path, reason in self.errors))


# --------------------------------------------------------------------------- parsed file


@dataclass(frozen=True)
class InstitutionSpec:
    id: int
    name: str
    kind: str
    jurisdiction: str


@dataclass(frozen=True)
class ProductSpec:
    id: int
    institution: int
    name: str
    instrument: str
    sectors: frozenset[str]
    stages: frozenset[str]
    jurisdictions: frozenset[str]
    currency: str
    ticket_min: Decimal
    ticket_max: Decimal
    term_min: int | None
    term_max: int | None
    min_years: int
    min_revenue: tuple[Decimal, str] | None
    required_certifications: frozenset[str]
    required_qualifications: frozenset[str]
    min_grade: str
    active_from: date
    active_until: date | None
    thesis: str
    channel: bool | None  # fixed availability, or None = decided by the channels
    channels: frozenset[str] | None  # restrict to these channel codes (None = every channel)


@dataclass(frozen=True)
class EnterpriseSpec:
    id: int
    name: str
    jurisdiction: str
    sector: str
    stage: str
    years_operating: int
    revenue: tuple[Decimal, str] | None
    certifications: frozenset[str]
    qualified: frozenset[str]
    not_qualified: frozenset[str]
    grade: str
    description: str


@dataclass(frozen=True)
class RequestSpec:
    id: int
    enterprise: EnterpriseSpec
    amount: tuple[Decimal, str] | None
    instruments: frozenset[str]
    term_months: int | None
    purpose: str
    relevance: dict[int, int]
    tags: tuple[str, ...]


@dataclass(frozen=True)
class ScenarioFile:
    path: str
    day: date
    rates: dict[str, Decimal]  # currency -> value of one unit in the file's unit of account
    institutions: dict[int, InstitutionSpec]
    products: tuple[ProductSpec, ...]
    requests: tuple[RequestSpec, ...]
    description: str = ""

    def convert(self, amount: Decimal, currency: str) -> dict[str, float]:
        """``amount`` in every currency that has a rate (only its own when it has none)."""
        if currency not in self.rates:
            return {currency: float(amount)}
        base = amount * self.rates[currency]
        return {cur: float(base / rate) for cur, rate in self.rates.items()}


# --------------------------------------------------------------------------- codes


def codebook() -> Codebook:
    """The engine's code lists: the platform's own (``bayfin.matching.index``)."""
    from .index import codebook as platform_codebook

    return platform_codebook()


@cache
def seeded_channels() -> tuple[ChannelRule, ...]:
    return tuple(
        ChannelRule(
            code=c["code"],
            from_jurisdictions=frozenset(c["from_jurisdictions"]),
            to_jurisdictions=frozenset(c["to_jurisdictions"]),
            instruments=frozenset(c["instruments"]),
            lender_currencies=frozenset(c["lender_currencies"]),
            borrower_currencies=frozenset(c["borrower_currencies"]),
            conditions=parse_conditions(c.get("conditions") or []),
            limit_rule=c.get("limit_rule", "none"),
            priority=c.get("priority", 100),
        )
        for c in fx_seed.CHANNELS
    )


# --------------------------------------------------------------------------- loading


class _Checker:
    """Collects (path, reason) pairs while reading the JSON."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def fail(self, path: str, reason: str) -> None:
        if all(path != seen for seen, _ in self.errors):  # one reason per field: the first found
            self.errors.append((path, reason))

    def obj(self, path: str, value: Any, allowed: Iterable[str], required: Iterable[str]) -> bool:
        if not isinstance(value, dict):
            self.fail(path, f"must be an object, not {_kind(value)}")
            return False
        allowed_set = set(allowed)
        for key in value:
            if key not in allowed_set:
                self.fail(
                    f"{path}.{key}", f"unknown field (allowed: {', '.join(sorted(allowed_set))})"
                )
        for key in required:
            if key not in value:
                self.fail(f"{path}.{key}", "is required")
        return True

    def integer(
        self, path: str, value: Any, *, minimum: int = 0, maximum: int | None = None
    ) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"must be a whole number, not {_kind(value)}")
            return None
        if value < minimum:
            self.fail(path, f"must be at least {minimum}")
            return None
        if maximum is not None and value > maximum:
            self.fail(path, f"must be at most {maximum}")
            return None
        return value

    def text(self, path: str, value: Any, *, required: bool = False) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str):
            self.fail(path, f"must be a string, not {_kind(value)}")
            return ""
        if required and not value.strip():
            self.fail(path, "must not be empty")
        return value

    def code(
        self, path: str, value: Any, choices: Sequence[str], what: str, *, blank: bool = False
    ) -> str:
        if blank and value in (None, ""):
            return ""
        if not isinstance(value, str) or value not in choices:
            self.fail(path, f"unknown {what} {value!r} (one of: {', '.join(choices)})")
            return ""
        return value

    def codes(self, path: str, value: Any, choices: Sequence[str], what: str) -> frozenset[str]:
        if value is None:
            return frozenset()
        if not isinstance(value, list):
            self.fail(path, f"must be a list of {what} codes, not {_kind(value)}")
            return frozenset()
        out = set()
        for i, item in enumerate(value):
            if self.code(f"{path}[{i}]", item, choices, what):
                out.add(item)
        return frozenset(out)

    def day(self, path: str, value: Any) -> date | None:
        if not isinstance(value, str):
            self.fail(path, f'must be a date as "YYYY-MM-DD", not {_kind(value)}')
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(path, f'{value!r} is not a date as "YYYY-MM-DD"')
            return None

    def amount(self, path: str, value: Any, currency: str) -> Decimal | None:
        if isinstance(value, float):
            self.fail(
                path,
                'amounts are strings such as "8000000" or "1250000.50", not JSON numbers with a fraction',
            )
            return None
        try:
            return parse_amount(value, currency or "CNY")
        except MoneyError as exc:
            reasons = {
                "invalid": f'{value!r} is not an amount (a string such as "8000000")',
                "not_positive": "must be greater than zero",
                "too_large": "is too large",
                "too_many_decimals": "has more than 2 decimal places",
            }
            self.fail(path, reasons.get(exc.code, str(exc)))
            return None

    def money(self, path: str, value: Any) -> tuple[Decimal, str] | None:
        if value is None:
            return None
        if not self.obj(path, value, ("amount", "currency"), ("amount", "currency")):
            return None
        currency = self.code(
            f"{path}.currency", value.get("currency"), list(CURRENCIES), "currency"
        )
        if not currency or "amount" not in value:
            return None
        amount = self.amount(f"{path}.amount", value["amount"], currency)
        return None if amount is None else (amount, currency)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


_TOP = (
    "format",
    "description",
    "note",
    "date",
    "rates",
    "institutions",
    "products",
    "enterprises",
    "requests",
)
_INSTITUTION = ("id", "name", "kind", "jurisdiction", "products", "note")
_PRODUCT = (
    "id",
    "institution",
    "name",
    "instrument",
    "sectors",
    "stages",
    "jurisdictions",
    "currency",
    "ticket_min",
    "ticket_max",
    "term_min",
    "term_max",
    "min_years",
    "min_revenue",
    "required_certifications",
    "required_qualifications",
    "min_grade",
    "active_from",
    "active_until",
    "thesis",
    "channel",
    "channels",
    "note",
)
_ENTERPRISE = (
    "id",
    "name",
    "jurisdiction",
    "sector",
    "stage",
    "founded",
    "years_operating",
    "revenue",
    "certifications",
    "qualified",
    "not_qualified",
    "grade",
    "description",
    "note",
)
_REQUEST = (
    "id",
    "enterprise",
    "amount",
    "currency",
    "instruments",
    "term_months",
    "purpose",
    "relevant",
    "tags",
    "note",
)


def load(path: str | Path) -> ScenarioFile:
    """Read and check a scenario file; ``ScenarioError`` lists every problem."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError([(str(p), f"cannot be read: {exc.strerror or exc}")]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            [(str(p), f"is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")]
        ) from None
    return parse(data, path=str(p))


def parse(data: Any, *, path: str = "<data>") -> ScenarioFile:
    """Check already-decoded JSON (see ``load``)."""
    ck = _Checker()
    if not ck.obj("(file)", data, _TOP, ("date", "institutions", "requests")):
        raise ScenarioError(ck.errors)
    if "format" in data and data["format"] != FORMAT:
        ck.fail("format", f"must be {FORMAT!r} (or left out), not {data['format']!r}")
    description = ck.text("description", data.get("description"))
    day = ck.day("date", data.get("date")) if "date" in data else None
    rates = _rates(ck, data.get("rates"))

    institutions: dict[int, InstitutionSpec] = {}
    # (path, raw product, the institution it is nested under)
    raw_products: list[tuple[str, dict[str, Any], int | None]] = []
    insts = data.get("institutions")
    if not isinstance(insts, list) or not insts:
        ck.fail("institutions", "must be a non-empty list of institutions")
        insts = []
    for i, raw in enumerate(insts):
        where = f"institutions[{i}]"
        if not ck.obj(where, raw, _INSTITUTION, ("id", "name", "kind", "jurisdiction")):
            continue
        iid = ck.integer(f"{where}.id", raw.get("id"), minimum=1)
        if iid is not None and iid in institutions:
            ck.fail(f"{where}.id", f"institution {iid} is defined twice")
        spec = InstitutionSpec(
            id=iid or 0,
            name=ck.text(f"{where}.name", raw.get("name"), required=True),
            kind=ck.code(
                f"{where}.kind", raw.get("kind"), InstitutionKind.values, "institution kind"
            ),
            jurisdiction=ck.code(
                f"{where}.jurisdiction",
                raw.get("jurisdiction"),
                Jurisdiction.values,
                "jurisdiction",
            ),
        )
        if iid is not None:
            institutions[iid] = spec
        nested = raw.get("products")
        if nested is not None:
            if not isinstance(nested, list):
                ck.fail(f"{where}.products", f"must be a list of products, not {_kind(nested)}")
            else:
                raw_products.extend(
                    (f"{where}.products[{j}]", prod, iid) for j, prod in enumerate(nested)
                )
    top_products = data.get("products")
    if top_products is not None:
        if not isinstance(top_products, list):
            ck.fail("products", f"must be a list of products, not {_kind(top_products)}")
        else:
            raw_products.extend(
                (f"products[{j}]", prod, None) for j, prod in enumerate(top_products)
            )
    if not raw_products:
        ck.fail("products", 'no product: list them under "products" or under each institution')

    products: dict[int, ProductSpec] = {}
    for where, raw, parent in raw_products:
        spec_p = _product(ck, where, raw, parent, institutions)
        if spec_p is None:
            continue
        if spec_p.id in products:
            ck.fail(f"{where}.id", f"product {spec_p.id} is defined twice")
        products[spec_p.id] = spec_p

    enterprises: dict[int, EnterpriseSpec] = {}
    ents = data.get("enterprises")
    if ents is not None:
        if not isinstance(ents, list):
            ck.fail("enterprises", f"must be a list of enterprises, not {_kind(ents)}")
            ents = []
        for i, raw in enumerate(ents):
            spec_e = _enterprise(ck, f"enterprises[{i}]", raw, day, None)
            if spec_e is None:
                continue
            if spec_e.id in enterprises:
                ck.fail(f"enterprises[{i}].id", f"enterprise {spec_e.id} is defined twice")
            enterprises[spec_e.id] = spec_e

    requests: list[RequestSpec] = []
    seen: set[int] = set()
    reqs = data.get("requests")
    if not isinstance(reqs, list) or not reqs:
        ck.fail("requests", "must be a non-empty list of requests")
        reqs = []
    for i, raw in enumerate(reqs):
        spec_r = _request(ck, f"requests[{i}]", raw, day, enterprises, products)
        if spec_r is None:
            continue
        if spec_r.id in seen:
            ck.fail(f"requests[{i}].id", f"request {spec_r.id} is defined twice")
        seen.add(spec_r.id)
        requests.append(spec_r)

    if ck.errors or day is None:
        raise ScenarioError(ck.errors or [("date", "is required")])
    return ScenarioFile(
        path=path,
        day=day,
        rates=rates,
        institutions=institutions,
        products=tuple(sorted(products.values(), key=lambda s: s.id)),
        requests=tuple(requests),
        description=description,
    )


def _rates(ck: _Checker, raw: Any) -> dict[str, Decimal]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        ck.fail("rates", f"must be an object of currency: rate, not {_kind(raw)}")
        return {}
    out: dict[str, Decimal] = {}
    for cur, value in raw.items():
        where = f"rates.{cur}"
        if cur not in CURRENCIES:
            ck.fail(where, f"unknown currency (one of: {', '.join(CURRENCIES)})")
            continue
        if isinstance(value, (float, bool)) or not isinstance(value, (str, int)):
            ck.fail(
                where,
                'rates are strings such as "0.8864" (the value of one unit in the file\'s unit of account)',
            )
            continue
        try:
            rate = Decimal(str(value).strip())
        except InvalidOperation:
            ck.fail(where, f"{value!r} is not a number")
            continue
        if not rate.is_finite() or rate <= 0:
            ck.fail(where, "must be greater than zero")
            continue
        out[cur] = rate
    return out


def _product(
    ck: _Checker,
    where: str,
    raw: Any,
    parent: int | None,
    institutions: Mapping[int, InstitutionSpec],
) -> ProductSpec | None:
    required = ["id", "name", "instrument", "currency", "ticket_min", "ticket_max"]
    if parent is None:
        required.append("institution")
    if not ck.obj(where, raw, _PRODUCT, required):
        return None
    n_errors = len(ck.errors)
    pid = ck.integer(f"{where}.id", raw.get("id"), minimum=1)
    inst = parent
    if "institution" in raw:
        given = ck.integer(f"{where}.institution", raw.get("institution"), minimum=1)
        if parent is not None and given is not None and given != parent:
            ck.fail(
                f"{where}.institution",
                f"is {given} but the product is listed under institution {parent}",
            )
        inst = given if parent is None else parent
    if parent is None and inst is not None and inst not in institutions:
        ck.fail(f"{where}.institution", f"no institution with id {inst}")
    currency = ck.code(f"{where}.currency", raw.get("currency"), list(CURRENCIES), "currency")
    tmin = (
        ck.amount(f"{where}.ticket_min", raw.get("ticket_min"), currency)
        if "ticket_min" in raw
        else None
    )
    tmax = (
        ck.amount(f"{where}.ticket_max", raw.get("ticket_max"), currency)
        if "ticket_max" in raw
        else None
    )
    if tmin is not None and tmax is not None and tmin > tmax:
        ck.fail(f"{where}.ticket_max", f"is below ticket_min ({tmin})")
    term_min = (
        ck.integer(f"{where}.term_min", raw["term_min"], minimum=1)
        if raw.get("term_min") is not None
        else None
    )
    term_max = (
        ck.integer(f"{where}.term_max", raw["term_max"], minimum=1)
        if raw.get("term_max") is not None
        else None
    )
    if term_min is not None and term_max is not None and term_min > term_max:
        ck.fail(f"{where}.term_max", f"is below term_min ({term_min})")
    active_from = (
        ck.day(f"{where}.active_from", raw["active_from"])
        if raw.get("active_from") is not None
        else EPOCH
    )
    active_until = (
        ck.day(f"{where}.active_until", raw["active_until"])
        if raw.get("active_until") is not None
        else None
    )
    if active_from and active_until and active_until < active_from:
        ck.fail(f"{where}.active_until", f"is before active_from ({active_from})")
    channel = raw.get("channel")
    if channel is not None and not isinstance(channel, bool):
        ck.fail(f"{where}.channel", f"must be true or false, not {_kind(channel)}")
        channel = None
    channels = None
    if raw.get("channels") is not None:
        if channel is not None:
            ck.fail(
                f"{where}.channels",
                'give either "channel" (true/false) or "channels" (codes), not both',
            )
        channels = ck.codes(
            f"{where}.channels", raw["channels"], [c["code"] for c in fx_seed.CHANNELS], "channel"
        )
    spec = ProductSpec(
        id=pid or 0,
        institution=inst or 0,
        name=ck.text(f"{where}.name", raw.get("name"), required=True),
        instrument=ck.code(
            f"{where}.instrument", raw.get("instrument"), Instrument.values, "instrument"
        ),
        sectors=ck.codes(f"{where}.sectors", raw.get("sectors"), Sector.values, "sector"),
        stages=ck.codes(f"{where}.stages", raw.get("stages"), Stage.values, "stage"),
        jurisdictions=ck.codes(
            f"{where}.jurisdictions", raw.get("jurisdictions"), Jurisdiction.values, "jurisdiction"
        ),
        currency=currency,
        ticket_min=tmin or Decimal(0),
        ticket_max=tmax or Decimal(0),
        term_min=term_min,
        term_max=term_max,
        min_years=ck.integer(f"{where}.min_years", raw.get("min_years", 0)) or 0,
        min_revenue=ck.money(f"{where}.min_revenue", raw.get("min_revenue")),
        required_certifications=ck.codes(
            f"{where}.required_certifications",
            raw.get("required_certifications"),
            CertificationKind.values,
            "certification",
        ),
        required_qualifications=ck.codes(
            f"{where}.required_qualifications",
            raw.get("required_qualifications"),
            Qualification.values,
            "qualification",
        ),
        min_grade=ck.code(f"{where}.min_grade", raw.get("min_grade"), GRADES, "grade", blank=True),
        active_from=active_from or EPOCH,
        active_until=active_until,
        thesis=ck.text(f"{where}.thesis", raw.get("thesis")),
        channel=channel,
        channels=channels,
    )
    return None if len(ck.errors) > n_errors else spec


def _enterprise(
    ck: _Checker, where: str, raw: Any, day: date | None, default_id: int | None
) -> EnterpriseSpec | None:
    required = ["name", "jurisdiction", "sector", "stage"] + (["id"] if default_id is None else [])
    if not ck.obj(where, raw, _ENTERPRISE, required):
        return None
    n_errors = len(ck.errors)
    eid = ck.integer(f"{where}.id", raw["id"], minimum=1) if "id" in raw else default_id
    if ("founded" in raw) == ("years_operating" in raw):
        ck.fail(where, 'give either "founded" (a date) or "years_operating" (a whole number)')
    years = 0
    if "founded" in raw:
        founded = ck.day(f"{where}.founded", raw["founded"])
        if founded and day:
            if founded > day:
                ck.fail(f"{where}.founded", f"is after the file's date ({day})")
            else:
                years = (
                    day.year - founded.year - ((day.month, day.day) < (founded.month, founded.day))
                )
    elif "years_operating" in raw:
        years = ck.integer(f"{where}.years_operating", raw["years_operating"]) or 0
    qualified = ck.codes(
        f"{where}.qualified", raw.get("qualified"), Qualification.values, "qualification"
    )
    not_qualified = ck.codes(
        f"{where}.not_qualified", raw.get("not_qualified"), Qualification.values, "qualification"
    )
    both = qualified & not_qualified
    if both:
        ck.fail(f"{where}.not_qualified", f"{', '.join(sorted(both))} is also in qualified")
    spec = EnterpriseSpec(
        id=eid or 0,
        name=ck.text(f"{where}.name", raw.get("name"), required=True),
        jurisdiction=ck.code(
            f"{where}.jurisdiction", raw.get("jurisdiction"), Jurisdiction.values, "jurisdiction"
        ),
        sector=ck.code(f"{where}.sector", raw.get("sector"), Sector.values, "sector"),
        stage=ck.code(f"{where}.stage", raw.get("stage"), Stage.values, "stage"),
        years_operating=years,
        revenue=ck.money(f"{where}.revenue", raw.get("revenue")),
        certifications=ck.codes(
            f"{where}.certifications",
            raw.get("certifications"),
            CertificationKind.values,
            "certification",
        ),
        qualified=qualified,
        not_qualified=not_qualified,
        grade=ck.code(f"{where}.grade", raw.get("grade"), GRADES, "grade", blank=True),
        description=ck.text(f"{where}.description", raw.get("description")),
    )
    return None if len(ck.errors) > n_errors else spec


def _request(
    ck: _Checker,
    where: str,
    raw: Any,
    day: date | None,
    enterprises: Mapping[int, EnterpriseSpec],
    products: Mapping[int, ProductSpec],
) -> RequestSpec | None:
    if not ck.obj(where, raw, _REQUEST, ("id", "enterprise", "relevant")):
        return None
    n_errors = len(ck.errors)
    rid = ck.integer(f"{where}.id", raw.get("id"), minimum=1)
    ent_raw = raw.get("enterprise")
    enterprise: EnterpriseSpec | None = None
    if isinstance(ent_raw, dict):
        enterprise = _enterprise(ck, f"{where}.enterprise", ent_raw, day, rid)
    elif "enterprise" in raw:
        eid = ck.integer(f"{where}.enterprise", ent_raw, minimum=1)
        if eid is not None:
            enterprise = enterprises.get(eid)
            if enterprise is None:
                ck.fail(f"{where}.enterprise", f"no enterprise with id {eid}")
    amount = None
    if ("amount" in raw) != ("currency" in raw):
        ck.fail(where, 'give both "amount" and "currency", or neither (no amount)')
    elif "amount" in raw:
        currency = ck.code(f"{where}.currency", raw["currency"], list(CURRENCIES), "currency")
        if currency:
            value = ck.amount(f"{where}.amount", raw["amount"], currency)
            amount = None if value is None else (value, currency)
    instruments = frozenset(Instrument.values)
    if "instruments" in raw:
        instruments = ck.codes(
            f"{where}.instruments", raw["instruments"], Instrument.values, "instrument"
        )
        if not instruments and isinstance(raw["instruments"], list):
            ck.fail(
                f"{where}.instruments",
                "must list at least one instrument (leave it out for every instrument)",
            )
    term = (
        ck.integer(f"{where}.term_months", raw["term_months"], minimum=1)
        if raw.get("term_months") is not None
        else None
    )
    relevance: dict[int, int] = {}
    rel = raw.get("relevant")
    if not isinstance(rel, list):
        ck.fail(
            f"{where}.relevant",
            f'must be a list of product ids or {{"id": …, "grade": 1-{MAX_GRADE}}}, not {_kind(rel)}',
        )
        rel = []
    for j, item in enumerate(rel):
        at = f"{where}.relevant[{j}]"
        grade: int | None = 1
        if isinstance(item, dict):
            if not ck.obj(at, item, ("id", "grade"), ("id",)):
                continue
            pid = ck.integer(f"{at}.id", item.get("id"), minimum=1)
            grade = ck.integer(f"{at}.grade", item.get("grade", 1), minimum=1, maximum=MAX_GRADE)
        else:
            pid = ck.integer(at, item, minimum=1)
        if pid is None or grade is None:
            continue
        if pid not in products:
            ck.fail(at, f"no product with id {pid}")
        elif pid in relevance:
            ck.fail(at, f"product {pid} is listed twice")
        else:
            relevance[pid] = grade
    tags: list[str] = []
    raw_tags = raw.get("tags", [])
    if not isinstance(raw_tags, list) or not all(
        isinstance(t, str) and t.strip() for t in raw_tags
    ):
        ck.fail(f"{where}.tags", "must be a list of non-empty strings")
    else:
        tags = [t.strip() for t in raw_tags if t.strip() != OVERALL]
        if OVERALL in raw_tags:
            ck.fail(f"{where}.tags", f"{OVERALL!r} is reserved (every request counts in it)")
    purpose = ck.text(f"{where}.purpose", raw.get("purpose"))
    if enterprise is None or len(ck.errors) > n_errors or rid is None:
        return None
    return RequestSpec(
        id=rid,
        enterprise=enterprise,
        amount=amount,
        instruments=instruments,
        term_months=term,
        purpose=purpose,
        relevance=relevance,
        tags=tuple(dict.fromkeys(tags)),
    )


# --------------------------------------------------------------------------- building


Encoder = Callable[[list[str]], np.ndarray]


def build(
    sf: ScenarioFile, *, encode: Encoder | None = None
) -> tuple[Codebook, list[ProductRow], list[Scenario]]:
    """The engine's inputs for a scenario file. ``encode`` (texts -> L2-normalised rows) defaults to
    the platform's embedder; blank texts get no embedding."""
    cb = codebook()
    encode = encode or get_embedder().encode
    texts: list[str] = []
    for p in sf.products:
        texts.append(p.thesis)
    for r in sf.requests:
        texts.extend((r.enterprise.description, r.purpose))
    vectors = _embed(texts, encode)
    by_inst: dict[int, set[str]] = {}
    for p in sf.products:
        by_inst.setdefault(p.institution, set()).update(p.sectors)
    rows = []
    for i, p in enumerate(sf.products):
        rows.append(
            ProductRow(
                product_id=p.id,
                institution_id=p.institution,
                instrument=p.instrument,
                sectors=p.sectors,
                focus_sectors=product_focus(
                    p.sectors,
                    by_inst.get(p.institution, ()),
                    sf.institutions[p.institution].kind,
                ),
                stages=p.stages,
                jurisdictions=p.jurisdictions,
                currency=p.currency,
                ticket_min=float(p.ticket_min),
                ticket_max=float(p.ticket_max),
                term_min=p.term_min,
                term_max=p.term_max,
                min_years=p.min_years,
                min_revenue=float(p.min_revenue[0]) if p.min_revenue else 0.0,
                min_revenue_currency=p.min_revenue[1] if p.min_revenue else "",
                required_certifications=p.required_certifications,
                required_qualifications=p.required_qualifications,
                min_grade=p.min_grade,
                active_from=p.active_from.toordinal(),
                active_until=p.active_until.toordinal() if p.active_until else None,
                channel_class=i,  # one class per product: the file decides each product's channel
                embedding=vectors[i],
            )
        )
    scenarios = []
    offset = len(sf.products)
    for j, r in enumerate(sf.requests):
        e = r.enterprise
        ok = np.array([channel_open(sf, p, r) for p in sf.products], dtype=bool)
        q = Query(
            query_id=r.id,
            enterprise_id=e.id,
            instruments=r.instruments,
            amount=sf.convert(*r.amount) if r.amount else None,
            term_months=r.term_months,
            sector=e.sector,
            stage=e.stage,
            jurisdiction=e.jurisdiction,
            years_operating=e.years_operating,
            revenue=sf.convert(*e.revenue) if e.revenue else None,
            certifications=e.certifications,
            qualified=e.qualified,
            not_qualified=e.not_qualified,
            grade=e.grade,
            day=sf.day.toordinal(),
            channel_ok=ok,
            embedding=combine(vectors[offset + 2 * j], vectors[offset + 2 * j + 1]),
        )
        scenarios.append(Scenario(request_id=r.id, query=q, relevance=r.relevance, tags=r.tags))
    return cb, rows, scenarios


def _embed(texts: list[str], encode: Encoder) -> list[np.ndarray | None]:
    unique = list(dict.fromkeys(t.strip() for t in texts if t and t.strip()))
    matrix = encode(unique) if unique else np.zeros((0, 0), dtype=np.float32)
    found = {t: matrix[i] for i, t in enumerate(unique)}
    return [found.get(t.strip()) if t else None for t in texts]


def channel_open(sf: ScenarioFile, p: ProductSpec, r: RequestSpec) -> bool:
    """Whether money from the product's institution can reach the request's enterprise."""
    if p.channel is not None:
        return p.channel
    inst = sf.institutions[p.institution]
    e = r.enterprise
    flow = Flow(
        lender_jurisdiction=inst.jurisdiction,
        enterprise_jurisdiction=e.jurisdiction,
        instruments=frozenset({p.instrument}),
        lender_currency=p.currency,
        borrower_currency=r.amount[1] if r.amount else p.currency,
        facts={
            "institution.kind": inst.kind,
            "enterprise.certifications": sorted(e.certifications),
            "enterprise.years_operating": e.years_operating,
            "request.term_months": r.term_months,
        },
    )
    rules = [c for c in seeded_channels() if p.channels is None or c.code in p.channels]
    return bool(channels_for(flow, rules).fitting)


def run_file(
    sf: ScenarioFile,
    *,
    weights_version: str | None = None,
    encode: Encoder | None = None,
    k_precision: int = 5,
    k_ndcg: int = 10,
) -> Evaluation:
    w = WEIGHTS[weights_version] if weights_version else CURRENT
    cb, rows, scenarios = build(sf, encode=encode)
    index = build_index(rows, cb, records=RecordTable.empty(cb), exposure={}, version=1)
    return evaluate(index, scenarios, w, k_precision=k_precision, k_ndcg=k_ndcg)


# --------------------------------------------------------------------------- the command


RUN_LABELS = {"engine": "engine", "filters": "filters+ticket", "embeddings": "embeddings"}


def add_arguments(parser: Any) -> None:
    parser.add_argument(
        "scenarios",
        nargs="?",
        default=str(DEFAULT_PATH),
        help=f"scenario file (JSON, format in docs/matching.md; default {DEFAULT_PATH})",
    )
    parser.add_argument(
        "--json", action="store_true", dest="json_output", help="print the figures as JSON"
    )
    parser.add_argument(
        "--details",
        action="store_true",
        help="also list, per request, the relevant products the engine missed and why",
    )
    parser.add_argument(
        "--weights",
        default=None,
        choices=sorted(WEIGHTS),
        help=f"weights version (default the current, {CURRENT.version})",
    )


def run(options: Mapping[str, Any], stdout: TextIO) -> int:
    """The command: 0 when the file ran, 2 when it is not a valid scenario file."""
    path = Path(options.get("scenarios") or DEFAULT_PATH)
    if not path.is_absolute() and not path.exists():
        path = Path(settings.BASE_DIR) / path
    try:
        sf = load(path)
    except ScenarioError as exc:
        stdout.write(f"{path}: not a valid scenario file ({len(exc.errors)} problem(s)):\n")
        for where, reason in exc.errors:
            stdout.write(f"  {where}: {reason}\n")
        return 2
    result = run_file(sf, weights_version=options.get("weights"))
    if options.get("json_output"):
        stdout.write(json.dumps(as_json(sf, result), ensure_ascii=False, indent=2) + "\n")
        return 0
    stdout.write(table(sf, result))
    if options.get("details"):
        stdout.write(details(result))
    return 0


def table(sf: ScenarioFile, ev: Evaluation) -> str:
    """The figures as a Markdown table (it reads the same in a terminal and in docs/matching.md)."""
    kp, kn = ev.k_precision, ev.k_ndcg
    lines = [
        f"{sf.path}: {len(sf.requests)} requests, {len(sf.products)} products, weights {ev.weights_version}",
        "",
        "| Category | n | "
        + " | ".join(f"P@{kp} {RUN_LABELS[r]}" for r in RUNS)
        + f" | P@{kp} ceiling | "
        + " | ".join(f"nDCG@{kn} {RUN_LABELS[r]}" for r in RUNS)
        + " |",
        "| --- | ---: | " + " | ".join("---:" for _ in range(2 * len(RUNS) + 1)) + " |",
    ]
    for row in ev.rows:
        cells = [f"{row.precision[r]:.3f}" for r in RUNS] + [f"{row.ideal_precision:.3f}"]
        cells += [f"{row.ndcg[r]:.3f}" for r in RUNS]
        name = f"**{row.category}**" if row.category == OVERALL else row.category
        lines.append(f"| {name} | {row.n} | " + " | ".join(cells) + " |")
    if ev.skipped:
        lines.append("")
        lines.append(
            f"Not scored (no relevant product): requests {', '.join(map(str, ev.skipped))}."
        )
    for problem in ev.inconsistencies:
        lines.append(f"Engine inconsistency: {problem}")
    return "\n".join(lines) + "\n"


def details(ev: Evaluation) -> str:
    lines = [
        "",
        "Relevant products the engine left out of its top "
        f"{ev.k_ndcg} (failed requirement, or rank among the passing products):",
    ]
    for res in ev.scenarios:
        if not res.misses:
            continue
        parts = []
        for m in res.misses:
            why = ", ".join(m.failures) if m.failures else f"rank {m.rank}"
            parts.append(f"{m.product_id} (grade {m.grade}): {why}")
        lines.append(f"  request {res.request_id}: " + "; ".join(parts))
    lines.append("")
    lines.append(f"Per request: P@{ev.k_precision} engine / filters / embeddings, engine top 5")
    for res in ev.scenarios:
        p = " / ".join(f"{res.precision[r]:.1f}" for r in RUNS)
        lines.append(
            f"  {res.request_id}: {p}  engine {list(res.ranking['engine'][:5])}  "
            f"relevant {dict(sorted(res.relevance.items()))}"
        )
    return "\n".join(lines) + "\n"


def as_json(sf: ScenarioFile, ev: Evaluation) -> dict[str, Any]:
    return {
        "file": sf.path,
        "requests": len(sf.requests),
        "products": len(sf.products),
        "weights_version": ev.weights_version,
        "k_precision": ev.k_precision,
        "k_ndcg": ev.k_ndcg,
        "rows": [
            {
                "category": r.category,
                "n": r.n,
                "precision": dict(r.precision),
                "ndcg": dict(r.ndcg),
                "ideal_precision": r.ideal_precision,
            }
            for r in ev.rows
        ],
        "scenarios": [
            {
                "request": s.request_id,
                "tags": list(s.tags),
                "precision": dict(s.precision),
                "ndcg": dict(s.ndcg),
                "ranking": {k: list(v) for k, v in s.ranking.items()},
                "misses": [
                    {
                        "product": m.product_id,
                        "grade": m.grade,
                        "failures": list(m.failures),
                        "rank": m.rank,
                    }
                    for m in s.misses
                ],
            }
            for s in ev.scenarios
        ],
        "skipped": list(ev.skipped),
        "inconsistencies": list(ev.inconsistencies),
    }


__all__ = [
    "FORMAT",
    "ScenarioError",
    "ScenarioFile",
    "add_arguments",
    "build",
    "channel_open",
    "codebook",
    "load",
    "parse",
    "run",
    "run_file",
]
