"""The admin reads everything and changes nothing that would escape an audit event."""

import pytest

from tests.factories import EnterpriseFactory


@pytest.mark.django_db
def test_admin_offers_no_group_editing(operator_user, client_for):
    client = client_for(operator_user)
    assert client.get("/admin/auth/group/").status_code == 404
    assert client.get("/admin/auth/group/add/").status_code == 404


@pytest.mark.django_db
def test_operator_reads_an_organisation_in_the_admin_but_cannot_edit_it(operator_user, client_for):
    operator_user.is_superuser = True  # as manage.py create_operator makes them
    operator_user.save()
    org = EnterpriseFactory().organisation
    client = client_for(operator_user)
    page = client.get(f"/admin/accounts/organisation/{org.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    client.raise_request_exception = False
    response = client.post(f"/admin/accounts/organisation/{org.pk}/change/", {"name_en": "Renamed"})
    assert response.status_code == 403
    org.refresh_from_db()
    assert org.name_en != "Renamed"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["enterprise_user", "institution_user", "observer_user"])
def test_members_cannot_open_the_admin(role, request, client_for):
    response = client_for(request.getfixturevalue(role)).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
