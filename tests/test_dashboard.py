import pytest

from tests.factories import DealFactory, FinancingRequestFactory, FinancialStatementFactory


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
