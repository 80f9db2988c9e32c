"""Scoring services: stored scores name their model version and carry the master-scale grade of
their PD; missing data gives a REFUSED row naming the fields; unknown versions and bad files are
refused; only changes are stored; a chunked batch gives the same results as scoring one by one;
scores follow the profile and the requests on commit; every write is audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from bayfin.common.models import AuditEvent
from bayfin.common.vocab import Instrument
from bayfin.enterprises import services as enterprise_services
from bayfin.financing import services as financing_services
from bayfin.financing.transitions import RequestStatus
from bayfin.scoring import registry, services
from bayfin.scoring.engine import grades
from bayfin.scoring.models import CreditScore, ScoreKind, ScoreStatus
from tests.factories import EnterpriseFactory, FinancingRequestFactory

from .support import usd_rate

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def current(enterprise, kind=ScoreKind.ENTERPRISE):
    return CreditScore.objects.get(enterprise=enterprise, kind=kind, is_current=True)


def test_an_enterprise_score_names_its_version_and_its_grade_is_the_master_scales(champion, enterprise):
    row = services.score_enterprise(enterprise_id=enterprise.pk, trigger="manual")
    assert row.status == ScoreStatus.SCORED and row.model_version == champion
    assert row.kind == ScoreKind.ENTERPRISE and row.request is None and row.is_current
    assert Decimal(0) < row.pd < Decimal(1) and row.pd == row.pd.quantize(Decimal("0.00000001"))
    assert row.grade == grades.grade_of(float(row.pd))
    assert row.points is not None
    assert row.inputs["no_emp"] == enterprise.employees and row.inputs["naics_sector"] == "33"
    assert row.reference == {"amount": "150000.00", "currency": "USD", "basis": "default",
                             "sector": enterprise.sector}
    event = AuditEvent.objects.get(action="scoring.score")
    assert (event.subject_id, event.actor_label, event.organisation_id) == (
        str(row.pk), "system", enterprise.organisation_id)
    assert event.new["grade"] == row.grade and event.new["model_version"] == "test-scorecard"


def test_the_scorecards_pd_and_points_agree_with_the_model(champion, enterprise):
    row = services.score_enterprise(enterprise_id=enterprise.pk, trigger="manual")
    explained = registry.load(champion).explain(row.inputs)
    assert float(row.pd) == pytest.approx(explained.pd, abs=1e-8)
    assert float(row.points) == pytest.approx(explained.points, abs=0.01)


def test_a_challenger_score_has_no_points(challenger, enterprise):
    row = services.score_enterprise(enterprise_id=enterprise.pk, trigger="manual", version="test-challenger")
    assert row.model_version == challenger and row.points is None and row.grade == grades.grade_of(float(row.pd))


def test_nothing_changed_nothing_stored(champion, enterprise):
    first = services.score_enterprise(enterprise_id=enterprise.pk, trigger="manual")
    again = services.score_enterprise(enterprise_id=enterprise.pk, trigger="nightly")
    assert again.pk == first.pk and again.trigger == "manual"
    assert CreditScore.objects.count() == 1 and AuditEvent.objects.filter(action="scoring.score").count() == 1


def test_a_change_writes_a_new_current_row_and_keeps_the_old(champion, enterprise):
    first = services.score_enterprise(enterprise_id=enterprise.pk, trigger="manual")
    enterprise.employees, enterprise.tech_staff = 3, 1
    enterprise.save()
    second = services.score_enterprise(enterprise_id=enterprise.pk, trigger="profile")
    first.refresh_from_db()
    assert second.pk != first.pk and not first.is_current and second.is_current
    assert second.inputs["no_emp"] == 3


def test_missing_data_is_a_refused_row_naming_the_fields(champion):
    e = EnterpriseFactory(employees=0, tech_staff=0)
    row = services.score_enterprise(enterprise_id=e.pk, trigger="manual")
    assert row.status == ScoreStatus.REFUSED and row.missing == ["employees"]
    assert row.pd is None and row.grade == "" and row.points is None and row.inputs == {}
    assert row.model_version == champion
    assert AuditEvent.objects.get(action="scoring.score").new["missing"] == ["employees"]


def test_an_unknown_version_is_refused(champion, enterprise):
    with pytest.raises(registry.ModelUnavailable, match="unknown model version"):
        services.score_enterprise(enterprise_id=enterprise.pk, trigger="manual", version="no-such-model")
    assert not CreditScore.objects.exists()


def test_a_corrupted_champion_is_refused_and_nothing_is_stored(champion, enterprise):
    path = registry.artefact_path(champion)
    path.write_bytes(path.read_bytes().replace(b"{", b"{ ", 1))
    with pytest.raises(registry.ModelUnavailable, match="SHA-256 of the file does not match the registry"):
        services.score_enterprise(enterprise_id=enterprise.pk, trigger="manual")
    with pytest.raises(registry.ModelUnavailable, match="SHA-256"):
        services.score_all()
    assert not CreditScore.objects.exists()


def test_a_request_is_scored_on_its_amount_in_usd(champion, enterprise):
    usd_rate("CNY", "8")
    req = FinancingRequestFactory(enterprise=enterprise, amount=Decimal("800000.00"), currency="CNY",
                                  instruments=[Instrument.GUARANTEED_LOAN.value])
    row = services.score_request(request_id=req.pk, trigger="submitted")
    assert (row.kind, row.request_id, row.enterprise_id, row.status) == ("request", req.pk, enterprise.pk, "scored")
    assert row.inputs["gross_approved"] == 100000.0 and row.inputs["sba_share"] == 0.8
    assert row.reference == {}


def test_a_request_without_a_rate_is_refused_naming_the_amount(champion, enterprise):
    req = FinancingRequestFactory(enterprise=enterprise, currency="MOP")
    row = services.score_request(request_id=req.pk, trigger="submitted")
    assert row.status == ScoreStatus.REFUSED and row.missing == ["amount"]


# --------------------------------------------------------------------------- batches


def _population():
    usd_rate("CNY", "7.2")
    ents = [EnterpriseFactory(employees=n, tech_staff=0, founding_date=TODAY - dt.timedelta(days=d), sector=s)
            for n, d, s in ((5, 200, "fintech"), (120, 4000, "integrated_circuits"), (0, 900, "iot"),
                            (40, 1500, "culture_tourism"), (300, 9000, "biomedicine"))]
    reqs = [FinancingRequestFactory(enterprise=ents[i % 5], amount=Decimal(a), currency=c, instruments=inst)
            for i, (a, c, inst) in enumerate((("500000", "CNY", ["credit_loan"]), ("90000", "USD", ["factoring"]),
                                              ("3000000", "CNY", ["guaranteed_loan"]), ("70000", "MOP", ["credit_loan"]),
                                              ("250000", "USD", ["credit_loan", "equity"])))]
    FinancingRequestFactory(enterprise=ents[0], status=RequestStatus.DRAFT, submitted_at=None)  # not scored
    return ents, reqs


def _material(row):
    return (row.kind, row.enterprise_id, row.request_id, row.status, row.pd, row.grade, row.points, row.inputs,
            row.missing, row.reference, row.model_version_id)


def test_the_batch_in_chunks_gives_the_same_scores_as_one_by_one(champion):
    ents, reqs = _population()
    assert services.score_all(chunk_size=2) == 10  # 5 enterprises and 5 open requests
    batch = sorted(_material(r) for r in CreditScore.objects.filter(is_current=True))
    assert {r.trigger for r in CreditScore.objects.all()} == {"nightly"}
    # 3 chunks of enterprises and 3 of requests: one audit event each
    assert AuditEvent.objects.filter(action="scoring.score_batch").count() == 6
    CreditScore.objects.all().delete()
    for e in ents:
        services.score_enterprise(enterprise_id=e.pk, trigger="manual")
    for r in reqs:
        services.score_request(request_id=r.pk, trigger="manual")
    single = sorted(_material(r) for r in CreditScore.objects.filter(is_current=True))
    assert batch == single
    statuses = {(m[0], m[3]) for m in single}
    assert ("enterprise", "refused") in statuses and ("request", "refused") in statuses


def test_the_batch_stores_only_changes(champion):
    ents, _ = _population()
    assert services.score_all(chunk_size=3) == 10
    assert services.score_all(chunk_size=3) == 0
    ents[1].employees = 2
    ents[1].save()
    assert services.score_all(chunk_size=3) == 2  # its own score and its request's
    assert CreditScore.objects.filter(enterprise=ents[1], is_current=False).count() == 2
    for kind in ("enterprise", "request"):
        assert CreditScore.objects.filter(enterprise=ents[1], kind=kind, is_current=True).count() == 1


# --------------------------------------------------------------------------- on commit


def test_a_submitted_request_is_scored_on_commit(champion, enterprise, enterprise_user,
                                                 django_capture_on_commit_callbacks):
    req = FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.DRAFT, submitted_at=None,
                                  amount=Decimal("120000.00"), currency="USD")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        financing_services.request_transition(actor=enterprise_user, request_id=req.pk, to_status="open")
    assert not CreditScore.objects.exists()  # nothing runs inside the transaction
    for callback in callbacks:
        callback()
    row = current(enterprise, ScoreKind.REQUEST)
    assert (row.request_id, row.trigger, row.inputs["gross_approved"]) == (req.pk, "submitted", 120000.0)


def test_a_changed_amount_rescores_the_open_request(champion, enterprise, enterprise_user,
                                                    django_capture_on_commit_callbacks):
    req = FinancingRequestFactory(enterprise=enterprise, amount=Decimal("120000.00"), currency="USD",
                                  instruments=["credit_loan"])
    services.score_request(request_id=req.pk, trigger="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        financing_services.request_update(actor=enterprise_user, request_id=req.pk, data={"amount": "640000.00"})
    row = current(enterprise, ScoreKind.REQUEST)
    assert (row.trigger, row.inputs["gross_approved"]) == ("amount", 640000.0)


def test_a_profile_change_rescores_the_enterprise_and_its_open_requests(champion, enterprise, enterprise_user,
                                                                         django_capture_on_commit_callbacks):
    FinancingRequestFactory(enterprise=enterprise, amount=Decimal("99000.00"), currency="USD",
                            instruments=["credit_loan"])
    with django_capture_on_commit_callbacks(execute=True):
        enterprise_services.enterprise_update_profile(actor=enterprise_user, enterprise_id=enterprise.pk,
                                                      data={"employees": 7, "tech_staff": 2})
    assert current(enterprise).inputs["no_emp"] == 7 and current(enterprise).trigger == "profile"
    assert current(enterprise, ScoreKind.REQUEST).inputs["no_emp"] == 7


def test_a_profile_change_the_model_does_not_read_does_not_rescore(champion, enterprise, enterprise_user,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enterprise_services.enterprise_update_profile(actor=enterprise_user, enterprise_id=enterprise.pk,
                                                      data={"stage": "pre_ipo"})
    names = [getattr(getattr(c, "__code__", None), "co_qualname", "") for c in callbacks]
    assert not any("score_on_commit" in n for n in names)
    for callback in callbacks:
        callback()
    assert not CreditScore.objects.exists()


def test_promotion_rescores_everyone_with_the_new_champion(champion, challenger, enterprise, operator_user,
                                                           django_capture_on_commit_callbacks):
    services.score_enterprise(enterprise_id=enterprise.pk, trigger="manual")
    req = FinancingRequestFactory(enterprise=enterprise, currency="USD", status=RequestStatus.OPEN,
                                  instruments=[Instrument.CREDIT_LOAN.value])
    services.score_request(request_id=req.pk, trigger="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        services.model_promote(actor=operator_user, version_id=challenger.pk)
    row = current(enterprise)
    assert (row.model_version, row.trigger) == (challenger, "promoted")
    # The open requests too: the rescore runs inside a task, and must not stop after the first chunk.
    request_row = CreditScore.objects.get(request=req, is_current=True)
    assert (request_row.model_version, request_row.trigger) == (challenger, "promoted")
