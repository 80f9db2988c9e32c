"""Every write about fx: rates (entered, corrected, imported), channels, limit parameters,
an enterprise's declared cross-border debts, and the seeded reference data.

Rates are operator data, checked on entry against the pegs and the pivot path
(``engine.rates.check_rate``); an import is all or nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bayfin.accounts.models import OrganisationKind
from bayfin.accounts.selectors import require_member, require_operator
from bayfin.common.audit import audit_record, changed, snapshot
from bayfin.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from bayfin.common.money import CURRENCIES
from bayfin.common.validation import FieldErrors
from bayfin.common.vocab import Instrument, Jurisdiction

from . import explain, seed
from .engine.channels import ChannelRuleError, parse_conditions
from .engine.rates import RATE_DECIMAL_PLACES, FxError, Rate, check_rate
from .models import Channel, ChannelDocument, CrossBorderDebt, FxRate, LimitParameterSet, LimitRule
from .selectors import KNOWN_CODES, MAINLAND, rate_book, rate_policy

RATE_AUDIT_FIELDS = ("day", "base", "quote", "rate", "source")
MAX_IMPORT_ROWS = 20_000
MAX_SOURCE = 200


# --------------------------------------------------------------------------- rates


def _decimal(errors: FieldErrors, field: str, value: Any) -> Decimal | None:
    if value in (None, ""):
        errors.add(field, _("This field is required."))
        return None
    if isinstance(value, (float, bool)):
        errors.add(field, _("Send the number as a string, for example \"7.1234\"."))
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.add(field, _("Enter a number."))
        return None
    if not number.is_finite():
        errors.add(field, _("Enter a number."))
        return None
    return number


def _as_stored(rate: Decimal) -> Decimal:
    """A checked rate as the database holds it (10 places), so that audit snapshots taken
    before and after a save compare equal when the value did not change."""
    return rate.quantize(Decimal(1).scaleb(-RATE_DECIMAL_PLACES))


def clean_rate(errors: FieldErrors, data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    out["day"] = errors.iso_date("day", data.get("day"))
    out["base"] = errors.currency("base", data.get("base"))
    out["quote"] = errors.currency("quote", data.get("quote"))
    out["rate"] = _decimal(errors, "rate", data.get("rate"))
    out["source"] = errors.text("source", data.get("source"), max_length=MAX_SOURCE)
    return out


def _check(errors: FieldErrors, values: Mapping[str, Any], *, exclude_id: int | None = None,
           extra: list[Rate] | None = None, field: str = "rate", exclude_ids: Collection[int] = ()) -> None:
    """Run the engine's entry checks against the stored rates (less ``exclude_id`` /
    ``exclude_ids``, and with ``extra`` not yet stored)."""
    if errors or any(values.get(k) is None for k in ("day", "base", "quote", "rate")):
        return
    policy = rate_policy()
    book = rate_book(values["day"], days=0, exclude_id=exclude_id, exclude_ids=exclude_ids)
    for rate in extra or []:
        book.add(rate)
    try:
        check_rate(Rate(values["day"], values["base"], values["quote"], values["rate"], values["source"]), book,
                   today=timezone.localdate(), policy=policy)
    except FxError as exc:
        target = {"future_date": "day", "same_currency": "quote", "unknown_currency": "base"}.get(exc.code, field)
        errors.add(target, explain.rate_error_text(exc))


@transaction.atomic
def rate_create(*, actor: Any, data: Mapping[str, Any]) -> FxRate:
    """One rate, entered by an operator."""
    require_operator(actor)
    errors = FieldErrors()
    values = clean_rate(errors, data)
    if not errors and FxRate.objects.filter(day=values["day"], base=values["base"], quote=values["quote"]).exists():
        errors.add("day", _("A %(base)s/%(quote)s rate for this day exists already; correct that one instead.")
                   % {"base": values["base"], "quote": values["quote"]})
    _check(errors, values)
    errors.raise_if_any()
    values["rate"] = _as_stored(values["rate"])
    try:
        with transaction.atomic():
            row = FxRate.objects.create(created_by=actor, **values)
    except IntegrityError:  # another operator stored the same pair and day a moment ago
        raise Conflict(_("A %(base)s/%(quote)s rate for this day exists already; correct that one instead.")
                       % {"base": values["base"], "quote": values["quote"]}, code="rate_exists") from None
    audit_record(actor=actor, action="fx.rate_create", subject=row, new=snapshot(row, RATE_AUDIT_FIELDS))
    return row


def _rate_locked(rate_id: int) -> FxRate:
    row = FxRate.objects.select_for_update().filter(pk=rate_id).first()
    if row is None:
        raise NotFound(_("Exchange rate not found."))
    return row


@transaction.atomic
def rate_update(*, actor: Any, rate_id: int, data: Mapping[str, Any]) -> FxRate:
    """Correct a rate's value or source (its day and pair stay)."""
    require_operator(actor)
    row = _rate_locked(rate_id)
    errors = FieldErrors()
    new_rate = _decimal(errors, "rate", data.get("rate", row.rate))
    values: dict[str, Any] = {"day": row.day, "base": row.base, "quote": row.quote, "rate": new_rate,
                              "source": errors.text("source", data.get("source", row.source), max_length=MAX_SOURCE)}
    _check(errors, values, exclude_id=row.pk)
    errors.raise_if_any()
    old = snapshot(row, RATE_AUDIT_FIELDS)
    assert new_rate is not None  # raise_if_any above
    row.rate, row.source = _as_stored(new_rate), values["source"]
    row.save(update_fields=["rate", "source", "updated_at"])
    before, after = changed(old, snapshot(row, RATE_AUDIT_FIELDS))
    if after:
        audit_record(actor=actor, action="fx.rate_update", subject=row, old=before, new=after)
    return row


@transaction.atomic
def rate_delete(*, actor: Any, rate_id: int) -> None:
    require_operator(actor)
    row = _rate_locked(rate_id)
    audit_record(actor=actor, action="fx.rate_delete", subject=row, old=snapshot(row, RATE_AUDIT_FIELDS))
    row.delete()


@dataclass(frozen=True)
class ImportResult:
    created: int
    replaced: int
    unchanged: int


IMPORT_COLUMNS = ("day", "base", "quote", "rate")


@transaction.atomic
def rate_import(*, actor: Any, text: str, source: str = "", replace: bool = False) -> ImportResult:
    """Import rates from CSV (columns day, base, quote, rate and optionally source), all or nothing.

    A row for a pair and day already stored is an error unless ``replace``; each row is
    checked like a single entry, against the stored rates and the rows above it (a stored
    rate the file replaces counts with the file's value, not its old one).
    Errors are reported as "Row N: field: reason" under ``file``.
    """
    require_operator(actor)
    problems: list[str] = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in IMPORT_COLUMNS if c not in header]
    if missing:
        raise ValidationFailed(fields={"file": [_("The CSV needs the columns day, base, quote and rate (and "
                                                   "optionally source); missing: %(cols)s.")
                                                 % {"cols": ", ".join(missing)}]})
    entries: list[tuple[int, dict[str, Any], FxRate | None, FieldErrors]] = []
    seen: set[tuple[date, str, str]] = set()
    for raw in reader:
        number = reader.line_num  # the file's line (blank lines are skipped by the reader but counted here)
        if len(entries) >= MAX_IMPORT_ROWS:
            problems.append(str(_("The file has more than %(n)s rows.") % {"n": MAX_IMPORT_ROWS}))
            break
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        row.setdefault("source", "")
        row["source"] = row["source"] or source
        errors = FieldErrors()
        values = clean_rate(errors, row)
        key = (values["day"], values["base"], values["quote"])
        if not errors and key in seen:
            errors.add("day", _("This pair and day appear twice in the file."))
        existing = (FxRate.objects.filter(day=key[0], base=key[1], quote=key[2]).first()
                    if not errors else None)
        if existing is not None and not replace:
            errors.add("day", _("A rate for this pair and day exists already (import with replace to "
                                "overwrite it)."))
        if not errors:
            seen.add(key)
        entries.append((number, values, existing, errors))
    # The stored rates this file replaces are checked against with the file's values (in
    # ``pending``), never their old ones: otherwise moving two related rates at once fails.
    replaced_ids = {existing.pk for _n, _v, existing, _e in entries if existing is not None}
    parsed: list[dict[str, Any]] = []
    pending: list[Rate] = []
    for number, values, existing, errors in entries:
        _check(errors, values, exclude_ids=replaced_ids, extra=pending)
        for field, messages in errors.errors.items():
            problems.extend(f"{_('Row %(n)s') % {'n': number}}: {field}: {m}" for m in messages)
        if not errors:
            key = (values["day"], values["base"], values["quote"])
            pending.append(Rate(*key, values["rate"], values["source"]))
            parsed.append({"values": values, "existing": existing})
    if problems:
        raise ValidationFailed(_("Nothing was imported."), fields={"file": problems[:50]})
    if not parsed:
        raise ValidationFailed(fields={"file": [_("The file holds no rates.")]})
    created = replaced = unchanged = 0
    for item in parsed:
        values, existing = item["values"], item["existing"]
        if existing is None:
            FxRate.objects.create(created_by=actor, **values)
            created += 1
        elif existing.rate == values["rate"] and existing.source == values["source"]:
            unchanged += 1
        else:
            existing.rate, existing.source = values["rate"], values["source"]
            existing.save(update_fields=["rate", "source", "updated_at"])
            replaced += 1
    result = ImportResult(created, replaced, unchanged)
    marker = FxRate.objects.filter(day=parsed[-1]["values"]["day"], base=parsed[-1]["values"]["base"],
                                   quote=parsed[-1]["values"]["quote"]).get()
    audit_record(actor=actor, action="fx.rate_import", subject=marker,
                 new={"created": created, "replaced": replaced, "unchanged": unchanged, "replace": replace})
    return result


# --------------------------------------------------------------------------- channels

CHANNEL_FIELDS = ("code", *Channel.NAME_FIELDS, *Channel.NOTES_FIELDS, "from_jurisdictions", "to_jurisdictions",
                  "instruments", "lender_currencies", "borrower_currencies", "conditions", "documents",
                  "limit_rule", "policy_source", "priority", "active")


def _list(errors: FieldErrors, field: str, value: Any) -> list[Any]:
    if value in (None, ""):
        return []
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        errors.add(field, _("Enter a list."))
        return []
    return list(value)


def clean_channel(errors: FieldErrors, data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    code = errors.text("code", data.get("code"), max_length=60)
    if code and not all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in code):
        errors.add("code", _("Use letters, digits, hyphens and underscores only."))
    out["code"] = code.lower()
    out["name_en"] = errors.text("name_en", data.get("name_en"), max_length=200)
    for name in ("name_zh_hans", "name_zh_hant", "name_pt"):
        out[name] = errors.text(name, data.get(name), required=False, max_length=200)
    for name in Channel.NOTES_FIELDS:
        out[name] = errors.text(name, data.get(name), required=False, max_length=5000)
    for name, choices in (("from_jurisdictions", Jurisdiction), ("to_jurisdictions", Jurisdiction),
                          ("instruments", Instrument)):
        out[name] = errors.choices(name, _list(errors, name, data.get(name)), choices, required=True)
    for name in ("lender_currencies", "borrower_currencies"):
        out[name] = errors.choices(name, _list(errors, name, data.get(name)), list(CURRENCIES), required=True)
    out["documents"] = errors.choices("documents", _list(errors, "documents", data.get("documents")),
                                      ChannelDocument)
    raw_conditions = data.get("conditions")
    try:
        out["conditions"] = [c.as_json() for c in parse_conditions(raw_conditions, known_codes=KNOWN_CODES)]
    except ChannelRuleError as exc:
        errors.add("conditions", explain.condition_error_text(exc))
    out["limit_rule"] = errors.choice("limit_rule", data.get("limit_rule") or LimitRule.NONE, LimitRule)
    outside = [j for j in out["to_jurisdictions"] if j not in MAINLAND]
    if out["limit_rule"] not in (None, LimitRule.NONE) and outside:
        errors.add("limit_rule", _("The cap and the quota bind Mainland borrowers only; this channel also "
                                   "reaches %(places)s. Use no limit rule, or serve Mainland enterprises only.")
                   % {"places": explain.jurisdictions(outside)})
    out["policy_source"] = errors.text("policy_source", data.get("policy_source"), required=False, max_length=5000)
    out["priority"] = errors.whole_number("priority", data.get("priority"), required=False, maximum=1000,
                                          default=100)
    active = data.get("active", True)
    if not isinstance(active, bool):
        active = str(active).lower() in {"1", "true", "on", "yes"}
    out["active"] = active
    return out


def _channel_snapshot(channel: Channel) -> dict[str, Any]:
    return snapshot(channel, CHANNEL_FIELDS)


@transaction.atomic
def channel_create(*, actor: Any, data: Mapping[str, Any]) -> Channel:
    require_operator(actor)
    errors = FieldErrors()
    values = clean_channel(errors, data)
    if values.get("code") and Channel.objects.filter(code=values["code"]).exists():
        errors.add("code", _("A channel with this code exists already."))
    errors.raise_if_any()
    channel = Channel.objects.create(**values)
    audit_record(actor=actor, action="fx.channel_create", subject=channel, new=_channel_snapshot(channel))
    return channel


@transaction.atomic
def channel_update(*, actor: Any, channel_id: int, data: Mapping[str, Any]) -> Channel:
    """Change a channel; ``data`` may hold only some fields. The code never changes."""
    require_operator(actor)
    channel = Channel.objects.select_for_update().filter(pk=channel_id).first()
    if channel is None:
        raise NotFound(_("Channel not found."))
    merged = _channel_snapshot(channel)
    merged.update({k: v for k, v in data.items() if k in CHANNEL_FIELDS and k != "code"})
    errors = FieldErrors()
    values = clean_channel(errors, merged)
    errors.raise_if_any()
    old = _channel_snapshot(channel)
    for name, value in values.items():
        setattr(channel, name, value)
    channel.save()
    before, after = changed(old, _channel_snapshot(channel))
    if after:
        audit_record(actor=actor, action="fx.channel_update", subject=channel, old=before, new=after)
    return channel


# --------------------------------------------------------------------------- limit parameters

PARAMETER_FIELDS = ("effective_from", *LimitParameterSet.FACTOR_FIELDS, "short_term_months",
                    "facilitation_quota_usd", "facilitation_certifications", "facilitation_jurisdictions", "source")


def clean_parameters(errors: FieldErrors, data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"effective_from": errors.iso_date("effective_from", data.get("effective_from"))}
    for name in LimitParameterSet.FACTOR_FIELDS:
        value = _decimal(errors, name, data.get(name))
        if value is not None:
            if value < 0:
                errors.add(name, _("The number cannot be negative."))
            elif value > 100 or value.as_tuple().exponent < -4:  # type: ignore[operator]
                errors.add(name, _("Enter a factor of at most 100 with at most 4 decimal places."))
        out[name] = value
    for name in ("leverage_ratio", "adjustment_parameter"):
        if out.get(name) == 0:
            errors.add(name, _("The number must be greater than zero."))
    out["short_term_months"] = errors.whole_number("short_term_months", data.get("short_term_months", 12),
                                                   minimum=1, maximum=120)
    out["facilitation_quota_usd"] = errors.money("facilitation_quota_usd", data.get("facilitation_quota_usd"),
                                                 "USD", allow_zero=True)
    from bayfin.common.vocab import CertificationKind

    out["facilitation_certifications"] = errors.choices(
        "facilitation_certifications", _list(errors, "facilitation_certifications",
                                             data.get("facilitation_certifications")), CertificationKind)
    out["facilitation_jurisdictions"] = errors.choices(
        "facilitation_jurisdictions", _list(errors, "facilitation_jurisdictions",
                                            data.get("facilitation_jurisdictions")), Jurisdiction)
    out["source"] = errors.text("source", data.get("source"), max_length=5000)
    return out


@transaction.atomic
def limit_parameters_create(*, actor: Any, data: Mapping[str, Any]) -> LimitParameterSet:
    """A new parameter set, in force from its date until the next one (past sets stay as they were)."""
    require_operator(actor)
    errors = FieldErrors()
    values = clean_parameters(errors, data)
    if values.get("effective_from") and LimitParameterSet.objects.filter(
            effective_from=values["effective_from"]).exists():
        errors.add("effective_from", _("A parameter set already starts on this date."))
    errors.raise_if_any()
    row = LimitParameterSet.objects.create(created_by=actor, **values)
    audit_record(actor=actor, action="fx.limit_parameters_create", subject=row, new=snapshot(row, PARAMETER_FIELDS))
    return row


# --------------------------------------------------------------------------- declared debts

DEBT_FIELDS = ("lender", "channel", "balance", "currency", "term_months", "drawn_on", "off_balance")


def clean_debt(errors: FieldErrors, data: Mapping[str, Any], *, today: date) -> dict[str, Any]:
    out: dict[str, Any] = {"lender": errors.text("lender", data.get("lender"), max_length=200)}
    currency = errors.currency("currency", data.get("currency")) if data.get("currency") else None
    if currency is None and "currency" not in errors:
        errors.add("currency", _("This field is required."))
    out["currency"] = currency
    out["balance"] = errors.money("balance", data.get("balance"), currency)
    out["term_months"] = errors.whole_number("term_months", data.get("term_months"), minimum=1, maximum=600)
    out["drawn_on"] = errors.not_future("drawn_on", errors.iso_date("drawn_on", data.get("drawn_on")), today)
    channel = data.get("channel")
    out["channel"] = None
    if channel not in (None, ""):
        found = (Channel.objects.filter(pk=channel.pk if isinstance(channel, Channel) else channel).first()
                 if str(getattr(channel, "pk", channel)).isdigit() else None)
        if found is None:
            errors.add("channel", _("Choose one of the platform's channels."))
        out["channel"] = found
    off = data.get("off_balance", False)
    out["off_balance"] = off if isinstance(off, bool) else str(off).lower() in {"1", "true", "on", "yes"}
    return out


def _own_enterprise(actor: Any) -> Any:
    org = require_member(actor, OrganisationKind.ENTERPRISE)
    enterprise = getattr(org, "enterprise", None)
    if enterprise is None:
        raise PermissionDenied(_("Complete your company profile first."))
    return enterprise


@transaction.atomic
def debt_create(*, actor: Any, data: Mapping[str, Any]) -> CrossBorderDebt:
    """Declare an outstanding cross-border debt: it counts against the limits."""
    enterprise = _own_enterprise(actor)
    errors = FieldErrors()
    values = clean_debt(errors, data, today=timezone.localdate())
    errors.raise_if_any()
    debt = CrossBorderDebt.objects.create(enterprise=enterprise, **values)
    audit_record(actor=actor, action="fx.debt_create", subject=debt, new=snapshot(debt, DEBT_FIELDS),
                 organisation_id=enterprise.organisation_id)
    return debt


def _own_debt_locked(actor: Any, debt_id: int) -> CrossBorderDebt:
    enterprise = _own_enterprise(actor)
    debt = CrossBorderDebt.objects.select_for_update().filter(pk=debt_id, enterprise=enterprise).first()
    if debt is None:
        raise NotFound(_("Cross-border debt not found."))
    return debt


@transaction.atomic
def debt_update(*, actor: Any, debt_id: int, data: Mapping[str, Any]) -> CrossBorderDebt:
    debt = _own_debt_locked(actor, debt_id)
    merged = snapshot(debt, DEBT_FIELDS)
    merged.update({k: v for k, v in data.items() if k in DEBT_FIELDS})
    errors = FieldErrors()
    values = clean_debt(errors, merged, today=timezone.localdate())
    errors.raise_if_any()
    old = snapshot(debt, DEBT_FIELDS)
    for name, value in values.items():
        setattr(debt, name, value)
    debt.save()
    before, after = changed(old, snapshot(debt, DEBT_FIELDS))
    if after:
        audit_record(actor=actor, action="fx.debt_update", subject=debt, old=before, new=after,
                     organisation_id=debt.enterprise.organisation_id)
    return debt


@transaction.atomic
def debt_delete(*, actor: Any, debt_id: int) -> None:
    """Remove a debt that is repaid (or was declared by mistake)."""
    debt = _own_debt_locked(actor, debt_id)
    audit_record(actor=actor, action="fx.debt_delete", subject=debt, old=snapshot(debt, DEBT_FIELDS),
                 organisation_id=debt.enterprise.organisation_id)
    debt.delete()


# --------------------------------------------------------------------------- reference data


@dataclass(frozen=True)
class SeedResult:
    channels: int
    parameter_sets: int


@transaction.atomic
def reference_data_seed(*, actor: Any = None) -> SeedResult:
    """Create the seeded channels and limit parameters that are missing (never overwrites:
    operators own them once they exist). Idempotent; ``manage.py fx_seed`` and the demo call it."""
    if actor is not None:
        require_operator(actor)
    channels = 0
    for data in seed.CHANNELS:
        if Channel.objects.filter(code=data["code"]).exists():
            continue
        errors = FieldErrors()
        values = clean_channel(errors, data)
        if errors:
            raise Conflict(f"Seed channel {data['code']} is not valid: {errors.errors}")
        channel = Channel.objects.create(**values)
        audit_record(actor=actor, action="fx.channel_seed", subject=channel, new=_channel_snapshot(channel))
        channels += 1
    params = 0
    for data in seed.LIMIT_PARAMETER_SETS:
        if LimitParameterSet.objects.filter(effective_from=data["effective_from"]).exists():
            continue
        errors = FieldErrors()
        values = clean_parameters(errors, data)
        if errors:
            raise Conflict(f"Seed limit parameters are not valid: {errors.errors}")
        row = LimitParameterSet.objects.create(**values)
        audit_record(actor=actor, action="fx.limit_parameters_seed", subject=row,
                     new=snapshot(row, PARAMETER_FIELDS))
        params += 1
    return SeedResult(channels, params)
