"""Loading the generated demo data into the database.

The demo is generated data, not a user's change: it is written with ``bulk_create`` in
batches, straight into the tables, without going through the apps' services (which
validate and audit one user action at a time). A single audit event ("demo.seeded")
records that the data set was loaded, with its counts. Generated users get unusable
passwords; the fixed demo logins share one password, hashed once.

Cross-border reference data is the exception inside the exception: the channels and the
limit parameters are created by ``bayfin.fx.services.reference_data_seed`` (which audits
each), and the loader then gives deals the channel ``bayfin.fx.selectors.channel_answer``
finds. The rate history is bulk-loaded like the rest; ``extend_demo_rates`` carries it on
to today when an existing demo database is started on a later day.

Evaluations likewise: the demo programmes are created by
``bayfin.evaluation.services.programme_create`` as the operator (validated, audited); the
self-declared answers, every enterprise's evaluation by each current rule set (computed
by the engine on the data set's day, with one rate book for that day), the badges of the
enterprises that publish them and a few applications with their eligibility snapshots are
bulk-loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import islice
from typing import Any, TypeVar

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from bayfin.accounts.models import (
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Role,
    User,
)
from bayfin.accounts.services import decision_entry
from bayfin.common.audit import audit_record
from bayfin.enterprises.models import BeneficialOwner, Certification, Enterprise, FinancialStatement
from bayfin.evaluation.engine import rules as rule_engine
from bayfin.evaluation.models import (
    Badge,
    Declaration,
    Evaluation,
    EvaluationStatus,
    Programme,
    ProgrammeApplication,
)
from bayfin.evaluation.programme_fields import FIELDS, field_values
from bayfin.evaluation.selectors import facts_for, results_now
from bayfin.evaluation.services import eligibility_record, programme_create
from bayfin.financing.models import Deal, DealEvent, FinancingRequest
from bayfin.financing.services import deal_event_entry
from bayfin.fx.models import Channel, CrossBorderDebt, FxRate
from bayfin.fx.selectors import active_rules, channel_answer, channels_open_to_request, rate_book
from bayfin.fx.services import reference_data_seed
from bayfin.institutions.models import Association, Institution, Product
from bayfin.ledger.keys import LedgerKeyMissing
from bayfin.ledger.models import LedgerEntry
from bayfin.ledger.services import checkpoint_if_due, entry_of, integrate

from . import programmes as demo_programmes
from .generator import (
    DEMO_EMAIL_DOMAIN,
    DEMO_RATE_SOURCE,
    RATE_WALKS,
    Dataset,
    DemoGenerator,
    EnterpriseData,
    OrganisationData,
    RateData,
    extend_rate_history,
)

DEMO_PASSWORD = "bayfin-demo-2026"
T = TypeVar("T")


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _organisation(org: OrganisationData) -> Organisation:
    return Organisation(
        kind=org.kind, status=org.status, jurisdiction=org.jurisdiction, name_zh_hans=org.name_zh_hans,
        name_zh_hant=org.name_zh_hant, name_en=org.name_en, name_pt=org.name_pt,
        rejection_reason=org.rejection_reason, verified_at=org.verified_at,
    )


def _enterprise(data: EnterpriseData, organisation_id: int) -> Enterprise:
    return Enterprise(
        organisation_id=organisation_id, registration_number=data.registration_number,
        founding_date=data.founding_date, employees=data.employees, tech_staff=data.tech_staff,
        sector=data.sector, stage=data.stage, description=data.description,
        invention_patents=data.invention_patents, utility_models=data.utility_models, designs=data.designs,
        software_copyrights=data.software_copyrights, other_class_i=data.other_class_i,
        other_class_ii=data.other_class_ii,
    )


def _statements(data: EnterpriseData, enterprise_id: int) -> Iterator[FinancialStatement]:
    for s in data.statements:
        yield FinancialStatement(
            enterprise_id=enterprise_id, year=s.year, currency=s.currency, revenue=Decimal(s.revenue),
            rd_expense=Decimal(s.rd_expense), total_costs=Decimal(s.total_costs),
            net_profit=Decimal(s.net_profit), total_assets=Decimal(s.total_assets),
            total_liabilities=Decimal(s.total_liabilities),
            operating_cash_flow=Decimal(s.operating_cash_flow), tax_credit_grade=s.tax_credit_grade,
        )


class _Writer:
    """bulk_create in batches, counting the rows per model."""

    def __init__(self, batch_size: int) -> None:
        self.batch_size = batch_size
        self.counts: dict[str, int] = {}

    def create(self, model: Any, objs: list[Any]) -> list[Any]:
        created = model.objects.bulk_create(objs, batch_size=self.batch_size)
        name = model._meta.object_name
        self.counts[name] = self.counts.get(name, 0) + len(created)
        return list(created)


def _rate_rows(rates: list[RateData]) -> list[FxRate]:
    """The generated rates as rows, leaving out every day that has rates already (an operator's)."""
    if not rates:
        return []
    taken = set(FxRate.objects.filter(day__gte=min(r.day for r in rates), day__lte=max(r.day for r in rates))
                .values_list("day", flat=True).distinct())
    return [FxRate(day=r.day, base=r.base, quote=r.quote, rate=Decimal(r.rate), source=r.source)
            for r in rates if r.day not in taken]


def load_dataset(ds: Dataset, *, batch_size: int = 1000, password: str = DEMO_PASSWORD,
                 today: date | None = None) -> dict[str, int]:
    """Write a whole generated data set in one transaction; return the row counts per model.

    ``today``: the day the data set was generated for (evaluations are as of that day)."""
    today = today or timezone.localdate()
    w = _Writer(batch_size)
    demo_hash = make_password(password)  # hashed once, shared by every demo login
    with transaction.atomic():
        # Cross-border reference data first, through its service (idempotent, audited).
        seeded = reference_data_seed()
        w.counts["Channel"] = seeded.channels
        w.counts["LimitParameterSet"] = seeded.parameter_sets
        channel_by_code = {c.code: c for c in Channel.objects.all()}
        rules = active_rules()
        rates = w.create(FxRate, _rate_rows(ds.rates))

        orgs_data = list(ds.organisations())
        orgs = w.create(Organisation, [_organisation(o) for o in orgs_data])
        org_by_key = {d.key: o for d, o in zip(orgs_data, orgs, strict=True)}

        users_data = [(u, d.key) for d in orgs_data for u in d.users]
        users = []
        for u, _key in users_data:
            user = User(username=u.email, email=u.email, first_name=u.first_name, last_name=u.last_name,
                        is_staff=u.is_staff, is_superuser=u.is_superuser,
                        preferred_language="")
            if u.demo_login:
                user.password = demo_hash
            else:
                user.set_unusable_password()
            users.append(user)
        users = w.create(User, users)
        first_user: dict[str, User] = {}
        memberships = []
        for (u, key), user in zip(users_data, users, strict=True):
            first_user.setdefault(key, user)
            memberships.append(Membership(user=user, organisation=org_by_key[key], is_admin=u.is_admin))
        w.create(Membership, memberships)
        operator_user = first_user.get(ds.operator.key)
        if operator_user:
            Organisation.objects.filter(pk__in=[o.pk for o in orgs], status=OrganisationStatus.VERIFIED).update(
                verified_by=operator_user)

        enterprises = w.create(Enterprise, [_enterprise(e, org_by_key[e.organisation.key].pk)
                                            for e in ds.enterprises])
        ent_by_index = {d.index: e for d, e in zip(ds.enterprises, enterprises, strict=True)}
        for d, e in zip(ds.enterprises, enterprises, strict=True):
            e.organisation = org_by_key[d.organisation.key]  # the channel answers read it
        w.create(BeneficialOwner, [
            BeneficialOwner(enterprise=ent_by_index[e.index], name=o.name, share_percent=Decimal(o.share_percent),
                            nationality=o.nationality)
            for e in ds.enterprises for o in e.owners])
        w.create(Certification, [
            Certification(enterprise=ent_by_index[e.index], kind=c.kind, number=c.number, issued_on=c.issued_on,
                          expires_on=c.expires_on, published=c.published)
            for e in ds.enterprises for c in e.certifications])
        w.create(FinancialStatement, [s for e in ds.enterprises
                                      for s in _statements(e, ent_by_index[e.index].pk)])
        w.create(CrossBorderDebt, [
            CrossBorderDebt(enterprise=ent_by_index[d.enterprise_index], lender=d.lender,
                            channel=channel_by_code.get(d.channel), balance=Decimal(d.balance),
                            currency=d.currency, term_months=d.term_months, drawn_on=d.drawn_on,
                            off_balance=d.off_balance)
            for d in ds.debts])
        prefetch_related_objects(enterprises, "certifications")

        associations = {name: Association.objects.get_or_create(name=name)[0] for name in ds.associations}
        institutions = w.create(Institution, [
            Institution(organisation=org_by_key[i.organisation.key], kind=i.kind, licence_number=i.licence_number,
                        aum_amount=_dec(i.aum_amount), aum_currency=i.aum_currency, description=i.description)
            for i in ds.institutions])
        inst_by_index = {d.index: i for d, i in zip(ds.institutions, institutions, strict=True)}
        through = Institution.associations.through
        w.create(through, [through(institution_id=inst_by_index[i.index].pk, association_id=associations[a].pk)
                           for i in ds.institutions for a in i.associations])

        products = w.create(Product, [
            Product(institution=inst_by_index[p.institution_index], name=p.name, instrument=p.instrument,
                    status=p.status, sectors=p.sectors, stages=p.stages, jurisdictions=p.jurisdictions,
                    currencies=p.currencies, ticket_currency=p.ticket_currency, ticket_min=Decimal(p.ticket_min),
                    ticket_max=Decimal(p.ticket_max), term_min_months=p.term_min_months,
                    term_max_months=p.term_max_months, rate_min_percent=_dec(p.rate_min_percent),
                    rate_max_percent=_dec(p.rate_max_percent), pricing_note=p.pricing_note,
                    min_years_operating=p.min_years_operating, min_revenue_amount=_dec(p.min_revenue_amount),
                    min_revenue_currency=p.min_revenue_currency, required_certifications=p.required_certifications,
                    cross_border=p.cross_border, active_from=p.active_from, active_until=p.active_until,
                    thesis=p.thesis)
            for p in ds.products])
        prod_by_index = {d.index: p for d, p in zip(ds.products, products, strict=True)}

        ent_key = {e.index: e.organisation.key for e in ds.enterprises}
        request_objs = []
        for r in ds.requests:
            obj = FinancingRequest(
                enterprise=ent_by_index[r.enterprise_index], title=r.title, amount=Decimal(r.amount),
                currency=r.currency, instruments=r.instruments, purpose=r.purpose, use_of_funds=r.use_of_funds,
                term_months=r.term_months, deadline=r.deadline, status=r.status, submitted_at=r.submitted_at,
                created_by=first_user[ent_key[r.enterprise_index]])
            # The preferred channel, when it exists and is open to such a request.
            if r.channel and r.channel in {c.code for c in channels_open_to_request(obj)}:
                obj.channel = channel_by_code[r.channel]
            request_objs.append(obj)
        requests = w.create(FinancingRequest, request_objs)
        # created_at is auto_now_add: set the generated history afterwards.
        for req_data, obj in zip(ds.requests, requests, strict=True):
            obj.created_at = req_data.created_at
        FinancingRequest.objects.bulk_update(requests, ["created_at"], batch_size=batch_size)
        req_by_index = {d.index: r for d, r in zip(ds.requests, requests, strict=True)}
        req_ent = {r.index: r.enterprise_index for r in ds.requests}

        inst_key = {i.index: i.organisation.key for i in ds.institutions}
        deal_objs = []
        for deal_data in ds.deals:
            req, product = req_by_index[deal_data.request_index], None
            channel = None
            if deal_data.product_index is not None:
                product = prod_by_index[deal_data.product_index]
                best = channel_answer(req, product, rules=rules).best  # the channel the money moves through
                channel = channel_by_code[best.code] if best else None
            deal_objs.append(Deal(request=req, institution=inst_by_index[deal_data.institution_index],
                                  product=product, channel=channel, stage=deal_data.stage, message=deal_data.message,
                                  created_by=first_user[inst_key[deal_data.institution_index]]))
        deals = w.create(Deal, deal_objs)
        for deal_data, deal in zip(ds.deals, deals, strict=True):
            deal.created_at = deal_data.created_at
        Deal.objects.bulk_update(deals, ["created_at"], batch_size=batch_size)
        events = []
        for deal_data, deal in zip(ds.deals, deals, strict=True):
            for ev in deal_data.events:
                side = (inst_key[deal_data.institution_index] if ev.actor == "institution"
                        else ent_key[req_ent[deal_data.request_index]])
                actor = None if ev.actor == "system" else first_user[side]
                events.append((ev.at, DealEvent(deal=deal, from_stage=ev.from_stage, to_stage=ev.to_stage,
                                                actor=actor, comment=ev.comment)))
        created_events = w.create(DealEvent, [e for _, e in events])
        for (at, _), ev_obj in zip(events, created_events, strict=True):
            ev_obj.at = at
        DealEvent.objects.bulk_update(created_events, ["at"], batch_size=batch_size)

        evaluation = _load_evaluations(w, ds, enterprises, first_user=first_user, operator=operator_user,
                                       today=today)
        ledger = _load_ledger(w, orgs, enterprises, institutions, created_events, operator_org=org_by_key[ds.operator.key])

        operator_org = org_by_key[ds.operator.key]
        fx = {"channels_seeded": seeded.channels, "limit_parameter_sets_seeded": seeded.parameter_sets,
              "rates": len(rates), "rate_source": DEMO_RATE_SOURCE,
              "rates_from": min((r.day for r in rates), default=None),
              "rates_to": max((r.day for r in rates), default=None),
              "cross_border_debts": w.counts.get("CrossBorderDebt", 0),
              "deals_with_channel": sum(1 for d in deals if d.channel_id)}
        audit_record(actor=None, action="demo.seeded", subject=operator_org,
                     new={**w.counts, "fx": {k: str(v) if isinstance(v, date) else v for k, v in fx.items()},
                          "evaluation": evaluation, "ledger": ledger},
                     organisation_id=operator_org.pk)
    return w.counts


def _load_ledger(w: _Writer, orgs: list[Organisation], enterprises: list[Enterprise],
                 institutions: list[Institution], events: list[DealEvent], *,
                 operator_org: Organisation) -> dict[str, Any]:
    """The demo's history in the ledger: every verification decision and deal stage change,
    in time order, built by the same functions the services use (``decision_entry``,
    ``deal_event_entry``), then integrated and, when the signing key exists, checkpointed."""
    for e in enterprises:
        e.organisation.enterprise = e  # registration numbers without a query per party
    for i in institutions:
        i.organisation.institution = i
    records: list[tuple[Any, dict[str, Any]]] = []
    for org in orgs:
        if org.status in (OrganisationStatus.VERIFIED, OrganisationStatus.REJECTED) and org.pk != operator_org.pk \
                and org.kind in (OrganisationKind.ENTERPRISE, OrganisationKind.INSTITUTION):
            args = decision_entry(org, operator_org, org.rejection_reason)
            records.append((args["at"], args))
    prefetch_related_objects(events, "documents")  # one query, not one per event (none are attached here)
    for event in events:
        args = deal_event_entry(event.deal, event)
        records.append((event.at, args))
    records.sort(key=lambda pair: pair[0])
    built = [entry_of(**args) for _at, args in records]
    entries = w.create(LedgerEntry, [entry for entry, _orgs in built])
    through = LedgerEntry.parties.through
    w.create(through, [through(ledgerentry_id=entry.pk, organisation_id=org.pk)
                       for entry, (_unsaved, orgs_) in zip(entries, built, strict=True) for org in orgs_])
    integrated = integrate()
    try:
        checkpoint = checkpoint_if_due(force=True)
    except LedgerKeyMissing:
        checkpoint = None
    return {"entries": integrated, "checkpoint": checkpoint.size if checkpoint else None}


def extend_demo_rates(today: date) -> int:
    """Carry the demo rate history on to ``today`` (business days); return the rates added.

    Only a demo database is touched: the newest rates must be the demo's own, with no rate
    of any other source after them. One audit event, ``demo.rates_extended``.
    """
    with transaction.atomic():
        newest = FxRate.objects.filter(source=DEMO_RATE_SOURCE).order_by("-day").first()
        if newest is None or newest.day >= today or FxRate.objects.filter(day__gt=newest.day).exists():
            return 0
        last = {(r.base, r.quote): r.rate for r in FxRate.objects.filter(day=newest.day, source=DEMO_RATE_SOURCE)}
        if any(pair not in last for pair in RATE_WALKS):
            return 0
        rows = FxRate.objects.bulk_create(_rate_rows(extend_rate_history(last, newest.day, today)))
        if rows:
            audit_record(actor=None, action="demo.rates_extended", subject=rows[-1],
                         new={"rates": len(rows), "from": rows[0].day, "to": rows[-1].day,
                              "source": DEMO_RATE_SOURCE})
        return len(rows)


def seed_demo(*, seed: int, today: date, sizes: Any = None, batch_size: int = 1000) -> dict[str, int]:
    """Generate the demo data set and load it, then walk the demo deals through the pipeline
    with the services (``pipeline.load_pipeline``) and put their steps in the ledger."""
    from .pipeline import load_pipeline

    counts = load_dataset(DemoGenerator(seed, sizes, today=today).dataset(), batch_size=batch_size, today=today)
    with transaction.atomic():
        made = load_pipeline(today=today)
    integrate()
    with suppress(LedgerKeyMissing):
        checkpoint_if_due(force=True)
    counts["PipelineDeals"] = len(made)
    return counts


# ---------------------------------------------------------------------------------------
# Evaluations, badges, programmes and applications


def _load_evaluations(w: _Writer, ds: Dataset, enterprises: list[Enterprise], *, first_user: dict[str, User],
                      operator: User | None, today: date) -> dict[str, Any]:
    """Declarations, programmes (through their service), evaluations, badges and applications.

    Every enterprise is evaluated by the engine with ``today``'s rate book (one query),
    a batch of enterprises at a time with their statements and declarations prefetched
    (a few queries per batch); rows are written in bulk."""
    now = timezone.now()
    w.create(Declaration, [
        Declaration(enterprise_id=ent.pk, question=question, answer=answer,
                    declared_by_id=first_user[data.organisation.key].pk, declared_at=now)
        for data, ent in zip(ds.enterprises, enterprises, strict=True)
        for question, answer in data.declarations.items()])
    programmes: list[Programme] = []
    if operator is not None:
        programmes = [programme_create(actor=operator, data=p) for p in demo_programmes.programme_data(today)]
        w.counts["Programme"] = len(programmes)
    rules = [(p, rule_engine.compile_rule(p.rule, FIELDS)) for p in programmes]
    book = rate_book(today)

    statuses: dict[str, dict[str, int]] = {}
    eligible: dict[str, list[int]] = {p.code: [] for p in programmes}
    records: dict[tuple[str, int], dict[str, Any]] = {}
    for chunk in _batched(zip(ds.enterprises, enterprises, strict=True), w.batch_size):
        prefetch_related_objects([e for _, e in chunk], "statements", "certifications", "declarations")
        rows: list[Evaluation] = []
        badges: list[Badge] = []
        for data, ent in chunk:
            bundle = facts_for(ent, today, book=book)
            inputs = bundle.inputs_json()
            results = results_now(bundle)
            for rule_set, result in results.items():
                rows.append(Evaluation(
                    enterprise_id=ent.pk, rule_set=rule_set, version=result.version, as_of=today, status=result.status,
                    path=result.path or "", score=result.score, score_low=result.score_low,
                    score_high=result.score_high, inputs=inputs, result=result.to_json(), trigger="demo"))
                counts = statuses.setdefault(rule_set, {})
                counts[result.status] = counts.get(result.status, 0) + 1
                qualified = result.status == EvaluationStatus.QUALIFIED
                # The demo enterprise shows its sci-tech SME badge; others that publish show what qualifies.
                if data.publishes_badges and (qualified or (data.index == 0 and rule_set == "scitech_sme")):
                    badges.append(Badge(enterprise_id=ent.pk, rule_set=rule_set, shown=qualified))
            if data.index == 0 or data.organisation.status != OrganisationStatus.VERIFIED or not rules:
                continue  # the demo enterprise applies itself; only verified enterprises can apply
            values = field_values(bundle.facts, results, sector=ent.sector, stage=ent.stage,
                                  certifications=bundle.certifications)
            for programme, rule in rules:
                outcome = rule.check(values)
                if outcome.status == rule_engine.PASS:
                    eligible[programme.code].append(data.index)
                    records[(programme.code, data.index)] = eligibility_record(outcome)
        w.create(Evaluation, rows)
        w.create(Badge, badges)

    by_code = {p.code: p for p in programmes}
    ent_by_index = {d.index: (d, e) for d, e in zip(ds.enterprises, enterprises, strict=True)}
    plans = demo_programmes.application_plan(eligible, seed=len(ds.enterprises))
    day = timezone.make_aware(datetime.combine(today, time(10, 0)))
    applications = []
    for plan in plans:
        data, ent = ent_by_index[plan.enterprise_index]
        decided = plan.status != "submitted"
        applications.append(ProgrammeApplication(
            programme=by_code[plan.programme], enterprise=ent, status=plan.status, amount=plan.amount,
            currency="CNY", note=plan.note, eligibility=records[(plan.programme, plan.enterprise_index)],
            submitted_by=first_user[data.organisation.key], decided_by=operator if decided else None,
            decided_at=min(now, day - timedelta(days=plan.days_ago - 2)) if decided else None,
            decision_note=plan.decision_note, amount_granted=plan.amount_granted))
    applications = w.create(ProgrammeApplication, applications)
    for plan, app in zip(plans, applications, strict=True):  # created_at is auto_now_add
        app.created_at = min(now, day - timedelta(days=plan.days_ago))
    ProgrammeApplication.objects.bulk_update(applications, ["created_at"], batch_size=w.batch_size)
    return {"as_of": today.isoformat(), "statuses": statuses,
            "eligible": {code: len(indexes) for code, indexes in eligible.items()}}


DEMO_LOGIN_NOTES = {
    "operator": "Verification queue, organisations, programmes and applications, audit, Django admin",
    "enterprise": "Verified Hengqin chip designer: statements, requests, deals; sci-tech SME (badge), programmes",
    "enterprise2": "Same enterprise as a member who is not its admin",
    "pending": "Enterprise waiting for verification; short of sci-tech SME status, with gap advice",
    "institution": "Verified Macao bank: RMB, MOP and HKD loans, open requests, deals at every stage",
    "vc": "Macao venture capital fund: equity in USD and MOP through a QFLP fund, express interest",
    "observer": "Government observer: public data only",
}


def demo_login_rows() -> list[tuple[str, str, str, str]]:
    """(email, role, organisation, notes) of the demo logins that exist in the database."""
    rows = []
    users = (User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}")
             .select_related("membership__organisation").order_by("id"))
    for user in users:
        org = user.organisation
        if org is None:
            role = "superuser" if user.is_superuser else "no organisation"
            rows.append((user.email, role, "", ""))
            continue
        role = str(Role(org.kind).label)
        if user.is_org_admin:
            role = f"{role}, organisation admin"
        if user.is_superuser:
            role = f"{role}, superuser"
        if org.status != OrganisationStatus.VERIFIED:
            role = f"{role} ({org.status})"
        notes = DEMO_LOGIN_NOTES.get(user.email.split("@")[0], "")
        rows.append((user.email, role, org.display_name("en"), notes))
    return rows


# ---------------------------------------------------------------------------------------
# Large data sets


def scale_enterprises(gen: DemoGenerator, *, count: int, start: int = 0, batch_size: int = 5000,
                      statements: bool = False,
                      progress: Callable[[int, dict[str, int]], None] | None = None) -> dict[str, int]:
    """Stream ``count`` generated enterprises (with their organisations) into the database.

    One transaction per batch; memory stays flat (one batch in memory at a time).
    ``statements`` also writes their three years of financial statements (and owners).
    """
    with _fast_sqlite_writes():
        return _scale(gen, count=count, start=start, batch_size=batch_size, statements=statements,
                      progress=progress)


@contextmanager
def _fast_sqlite_writes() -> Iterator[None]:
    """On SQLite, skip the fsync per commit while bulk-loading benchmark data (this connection only)."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        previous = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA synchronous=OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous={previous:d}")


def _scale(gen: DemoGenerator, *, count: int, start: int, batch_size: int, statements: bool,
           progress: Callable[[int, dict[str, int]], None] | None) -> dict[str, int]:
    counts = {"Organisation": 0, "Enterprise": 0, "FinancialStatement": 0, "BeneficialOwner": 0}
    done = 0
    stream = gen.iter_enterprises(count, start=start, details=statements)
    for chunk in _batched(stream, batch_size):
        with transaction.atomic():
            orgs = Organisation.objects.bulk_create([_organisation(e.organisation) for e in chunk],
                                                    batch_size=batch_size)
            ents = Enterprise.objects.bulk_create(
                [_enterprise(e, o.pk) for e, o in zip(chunk, orgs, strict=True)], batch_size=batch_size)
            counts["Organisation"] += len(orgs)
            counts["Enterprise"] += len(ents)
            if statements:
                rows = [s for e, ent in zip(chunk, ents, strict=True) for s in _statements(e, ent.pk)]
                FinancialStatement.objects.bulk_create(rows, batch_size=batch_size)
                owners = [BeneficialOwner(enterprise_id=ent.pk, name=o.name, share_percent=Decimal(o.share_percent),
                                          nationality=o.nationality)
                          for e, ent in zip(chunk, ents, strict=True) for o in e.owners]
                BeneficialOwner.objects.bulk_create(owners, batch_size=batch_size)
                counts["FinancialStatement"] += len(rows)
                counts["BeneficialOwner"] += len(owners)
        done += len(chunk)
        if progress:
            progress(done, counts)
    return counts


def next_scale_index() -> int:
    """The first generator index a scale run can use without clashing with loaded rows."""
    return Organisation.objects.filter(kind=OrganisationKind.ENTERPRISE).count()


def database_vendor() -> str:
    return connection.vendor
