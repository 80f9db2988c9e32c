import pytest


@pytest.mark.django_db
def test_landing_page_renders_for_anonymous(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "BayFin" in response.content.decode()


@pytest.mark.django_db
def test_openapi_document_is_served_locally(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "BayFin API"
