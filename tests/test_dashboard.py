import pytest

from tests.factories import DealFactory, FinancialStatementFactory, FinancingRequestFactory


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["operator_user", "observer_user"])
def test_operators_and_observers_see_aggregate_statistics_only(role, request, client_for):
    statement = FinancialStatementFactory(revenue="38123456.00")
    FinancingRequestFactory(enterprise=statement.enterprise, amount="8000000.00", currency="CNY")
    DealFactory()
    user = request.getfixturevalue(role)
    page = client_for(user).get("/").content.decode()
    assert "Platform at a glance" in page
    assert "Verified enterprises" in page
    # An enterprise's private figures never appear on the dashboard.
    assert "38,123,456" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["enterprise_user", "institution_user"])
def test_members_do_not_see_platform_statistics(role, request, client_for):
    user = request.getfixturevalue(role)
    page = client_for(user).get("/").content.decode()
    assert "Platform at a glance" not in page


@pytest.mark.django_db
def test_anonymous_visitor_sees_the_landing_page(client):
    page = client.get("/").content.decode()
    assert "Register your organisation" in page


@pytest.mark.django_db
def test_enterprise_dashboard_shows_its_requests_and_latest_deals(enterprise, enterprise_user, client_for):
    mine = FinancingRequestFactory(enterprise=enterprise, title="Tape-out of chip two")
    DealFactory(request=mine)
    FinancingRequestFactory(title="Someone else's request")
    page = client_for(enterprise_user).get("/").content.decode()
    assert "Tape-out of chip two" in page
    assert "Latest deals" in page
    assert "Someone else&#x27;s request" not in page and "Someone else's request" not in page


@pytest.mark.django_db
def test_institution_dashboard_shows_only_its_own_deals(institution, institution_user, client_for):
    DealFactory(institution=institution, request__title="Ours to follow up")
    DealFactory(request__title="A competitor's deal")
    page = client_for(institution_user).get("/").content.decode()
    assert "Ours to follow up" in page
    assert "competitor" not in page


@pytest.mark.django_db
def test_new_enterprise_dashboard_says_what_to_do_next(enterprise_user, client_for):
    page = client_for(enterprise_user).get("/").content.decode()
    assert "No requests yet" in page


@pytest.mark.django_db
def test_platform_summary_counts_each_kind_and_status_once(operator_user):
    from bayfin.accounts.models import OrganisationKind, OrganisationStatus
    from bayfin.analytics.selectors import platform_summary_for
    from bayfin.common.vocab import Jurisdiction
    from tests.factories import OrganisationFactory

    before = platform_summary_for(operator_user)
    OrganisationFactory(kind=OrganisationKind.ENTERPRISE, jurisdiction=Jurisdiction.MACAO)
    OrganisationFactory(kind=OrganisationKind.ENTERPRISE, status=OrganisationStatus.PENDING)
    OrganisationFactory(kind=OrganisationKind.INSTITUTION)
    OrganisationFactory(kind=OrganisationKind.INSTITUTION, status=OrganisationStatus.PENDING)
    after = platform_summary_for(operator_user)
    assert after.enterprises_verified == before.enterprises_verified + 1
    assert after.institutions_verified == before.institutions_verified + 1
    assert after.organisations_pending == before.organisations_pending + 2
    assert after.enterprises_by_jurisdiction.get(Jurisdiction.MACAO, 0) == (
        before.enterprises_by_jurisdiction.get(Jurisdiction.MACAO, 0) + 1)
    assert after.enterprises_verified == sum(after.enterprises_by_jurisdiction.values())


def test_the_dashboard_lists_the_deals_waiting_for_the_viewers_side(client_for, db):
    from tests.financing.deal_helpers import advance, new_deal

    interest = new_deal()
    terms = advance(new_deal(), "term_sheet")  # the institution proposed: the enterprise must confirm
    approved = advance(new_deal(), "approved")
    # The enterprise of the first deal is asked to answer the interest, and nothing else.
    page = client_for(interest.enterprise_user).get("/").content.decode()
    assert "Waiting for you" in page and "Answer this interest: accept or decline" in page
    assert f"/financing/deals/{interest.deal.pk}/" in page
    page = client_for(terms.enterprise_user).get("/").content.decode()
    assert "Read and confirm the proposed terms" in page
    # The lender has nothing to do on terms it proposed; on an approved deal it records the money.
    assert "Waiting for you" not in client_for(terms.institution_user).get("/").content.decode()
    page = client_for(approved.institution_user).get("/").content.decode()
    assert "Approved: record the disbursement or the investment" in page
    # Nobody sees another organisation's deals here.
    assert f"/financing/deals/{approved.deal.pk}/" not in client_for(interest.enterprise_user).get("/").content.decode()
