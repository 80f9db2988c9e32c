"""A form shows every failing field at once, each reason next to its field, and saves nothing.

The services hold every rule; the page forms only carry what the user typed
(``common.forms.ServiceFormMixin``), so no form-level check can hide the others.
"""

import re

import pytest

from bayfin.enterprises.models import FinancialStatement
from bayfin.financing.models import FinancingRequest
from bayfin.institutions.models import Product


def error_fields(html: str) -> set[str]:
    return set(re.findall(r'id="id_(\w+)_error"', html))


@pytest.mark.django_db
def test_request_form_reports_all_bad_fields_in_one_round(enterprise_user, client_for):
    response = client_for(enterprise_user).post("/financing/requests/new/", {
        "title": "Tape-out", "amount": "0.005", "currency": "CNY", "purpose": "",
        "term_months": "700", "deadline": "2020-01-01",
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert error_fields(html) >= {"amount", "instruments", "purpose", "term_months", "deadline"}
    assert 'value="Tape-out"' in html  # what the user typed is kept
    assert 'aria-invalid="true"' in html
    assert not FinancingRequest.objects.exists()


@pytest.mark.django_db
def test_statement_form_reports_all_bad_fields_in_one_round(enterprise_user, client_for):
    response = client_for(enterprise_user).post("/enterprise/statements/add/", {
        "year": "1990", "currency": "XYZ", "revenue": "-1", "rd_expense": "1.234",
        "total_costs": "", "net_profit": "0", "total_assets": "10000000000000",
        "total_liabilities": "0", "operating_cash_flow": "0",
    })
    assert response.status_code == 200
    errors = error_fields(response.content.decode())
    assert {"year", "currency"} <= errors
    assert not FinancialStatement.objects.exists()


@pytest.mark.django_db
def test_product_form_reports_all_bad_fields_in_one_round(institution_user, client_for):
    response = client_for(institution_user).post("/institution/products/new/", {
        "name": "", "instrument": "credit_loan", "currencies": ["CNY"], "ticket_currency": "CNY",
        "ticket_min": "5000000", "ticket_max": "1000000", "active_from": "2026-01-01",
        "active_until": "2025-01-01", "rate_min_percent": "5", "rate_max_percent": "4",
    })
    assert response.status_code == 200
    errors = error_fields(response.content.decode())
    assert {"name", "ticket_min", "active_until", "rate_min_percent"} <= errors
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_forms_do_not_let_the_browser_block_the_submit(enterprise_user, client_for):
    html = client_for(enterprise_user).get("/financing/requests/new/").content.decode()
    # The reasons come from the server in the user's language, not from the browser.
    assert not re.search(r"<(input|select|textarea)[^>]*\srequired[\s>]", html)
    assert 'name="title"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "path"), [
    ("institution_user", "/financing/browse/"),
    ("enterprise_user", "/institution/products/browse/"),
    ("enterprise_user", "/financing/requests/"),
    ("enterprise_user", "/financing/deals/"),
    ("operator_user", "/financing/operator/requests/"),
    ("operator_user", "/accounts/operator/organisations/"),
    ("operator_user", "/accounts/operator/audit/"),
])
def test_filters_refresh_the_results_in_place_and_still_work_without_javascript(role, path, request, client_for):
    html = client_for(request.getfixturevalue(role)).get(path).content.decode()
    # htmx swaps #results from the same page the plain GET form would load.
    assert 'id="results"' in html
    assert 'hx-select="#results"' in html and 'method="get"' in html
