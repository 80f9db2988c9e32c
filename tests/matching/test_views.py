"""Matching pages: the request page's "Matching products" with "Why not?", the product page's
"Matching requests", the institution's "Enterprises worth a look" and the batches' concentration.

Each page for the roles that may read it, and refused (403, 404, or the sign-in page) to every
other; an institution reads a reason resting on private data only under a live consent to
that scope; a choice that is not on the list is an error on the field; an empty panel says what
happens next.
"""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from django.urls import reverse

from bayfin.consent.models import Scope
from bayfin.financing.transitions import RequestStatus
from bayfin.institutions.models import ProductStatus
from bayfin.matching.engine.weights import CURRENT
from bayfin.matching.models import BatchKind, MatchBatch
from tests.conftest import member_of
from tests.consent.conftest import ConsentGrantFactory
from tests.factories import (
    EnterpriseFactory,
    FinancingRequestFactory,
    InstitutionFactory,
    ProductFactory,
)

from .conftest import refresh
from .ui_support import HIDDEN_TEXT, REVENUE_TEXT, store_batch, store_match

pytestmark = pytest.mark.django_db

RECOMMENDATIONS = reverse("matching:recommendations")
BATCHES = reverse("matching:batches")


def html(response: Any) -> str:
    return response.content.decode()


def text(response: Any) -> str:
    """The page's visible text, tags stripped and spaces collapsed."""
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", html(response))))


def request_url(req: Any) -> str:
    return reverse("financing:request_detail", kwargs={"request_id": req.pk})


def product_url(product: Any) -> str:
    return reverse("institutions:product_detail", kwargs={"product_id": product.pk})


def why_not_url(req: Any, product: Any = None) -> str:
    url = reverse("matching:why_not", kwargs={"request_id": req.pk})
    return url if product is None else f"{url}?product={product if isinstance(product, (int, str)) else product.pk}"


@pytest.fixture
def product(institution: Any) -> Any:
    return ProductFactory(institution=institution, name="Lotus chip credit")


@pytest.fixture
def open_request(enterprise: Any) -> Any:
    return FinancingRequestFactory(enterprise=enterprise, title="Tape-out loan")


@pytest.fixture
def matched(open_request: Any, product: Any) -> Any:
    return store_match(request=open_request, product=product)


# ------------------------------------------------------------------ the request page


def test_the_request_page_lists_the_matching_products(client_for: Any, enterprise_user: Any, matched: Any,
                                                      product: Any, institution: Any) -> None:
    page = client_for(enterprise_user).get(request_url(matched.request))
    assert page.status_code == 200
    body, markup = text(page), html(page)
    assert "Matching products" in body
    # Rank, the product and its institution (links), the score as a bar with its percentage.
    assert f'href="{product_url(product)}">Lotus chip credit</a>' in markup
    profile = reverse("institutions:public_profile", kwargs={"institution_id": institution.pk})
    assert f'href="{profile}">{institution.organisation.display_name()}</a>' in markup
    assert re.search(r'role="progressbar" aria-label="Score" aria-valuemin="0" aria-valuemax="100" '
                     r'aria-valuenow="77.0" aria-valuetext="77%"', markup)
    assert 'style="width: 77.0%"' in markup and ">77%</span>" in markup
    # The disclosure: each part's fit, weight and contribution, and the reasons (its own private one too).
    details = markup[markup.index("<details"):markup.index("</details>")]
    assert "How the score is made, and why" in details
    assert re.search(r'<th scope="row" class="fw-normal">Thesis and description</th><td class="num">75%</td>'
                     r'<td class="num">30%</td><td class="num">22.5%</td>', details)
    assert re.search(r'<th scope="row" colspan="3">Score</th><td class="num fw-semibold">77.0%</td>', details)
    assert "Sector matches: Integrated circuits and electronics" in details
    assert "Ticket CN¥1,000,000.00 – CN¥20,000,000.00 covers the CN¥8,000,000.00 asked" in details
    assert REVENUE_TEXT in details and "from your private data" in details
    assert f"Weights {CURRENT.version}" in text(page)


def test_the_matches_are_in_rank_order(client_for: Any, enterprise_user: Any, open_request: Any,
                                       institution: Any) -> None:
    second = ProductFactory(institution=institution, name="Second best loan")
    first = ProductFactory(institution=institution, name="Best loan")
    store_match(request=open_request, product=second, rank=2, parts={"sector": 0.5})
    store_match(request=open_request, product=first, rank=1)
    body = text(client_for(enterprise_user).get(request_url(open_request)))
    assert body.index("Best loan") < body.index("Second best loan")


@pytest.mark.parametrize(("status", "says"), [
    (RequestStatus.DRAFT, "No match yet: submit the request"),
    (RequestStatus.OPEN, "No match yet: matches are computed in the background a few seconds after a change"),
    (RequestStatus.CLOSED, "This request has ended, so it is no longer matched."),
])
def test_without_matches_the_panel_says_what_happens_next(client_for: Any, enterprise_user: Any, enterprise: Any,
                                                          status: str, says: str) -> None:
    req = FinancingRequestFactory(enterprise=enterprise, status=status)
    body = text(client_for(enterprise_user).get(request_url(req)))
    assert "Matching products" in body and says in body


def test_the_panel_shows_what_the_engine_stored(client_for: Any, enterprise_user: Any, enterprise: Any,
                                                channels: Any, rates: Any) -> None:
    """End to end: the request is matched through the service, and the page shows the result."""
    bank = InstitutionFactory(organisation__name_en="Hengqin Chip Bank", organisation__jurisdiction="hengqin",
                              kind="commercial_bank")
    ProductFactory(institution=bank, name="Chip designer loan", thesis="We finance chip designers")
    req = FinancingRequestFactory(enterprise=enterprise)
    assert refresh(req.pk) >= 1
    body = text(client_for(enterprise_user).get(request_url(req)))
    assert "Chip designer loan" in body and "Hengqin Chip Bank" in body
    assert "Sector matches: Integrated circuits and electronics" in body


def test_operators_read_the_matches_without_why_not(client_for: Any, operator_user: Any, matched: Any) -> None:
    page = client_for(operator_user).get(request_url(matched.request))
    assert "Lotus chip credit" in text(page) and REVENUE_TEXT in text(page)
    assert 'id="why-not"' not in html(page)


@pytest.mark.parametrize("role", ["institution", "other_institution"])
def test_institutions_never_see_the_panel_on_a_request(request: Any, client_for: Any, matched: Any,
                                                       role: str) -> None:
    page = client_for(request.getfixturevalue(f"{role}_user")).get(request_url(matched.request))
    assert page.status_code == 200
    assert 'id="matching-products"' not in html(page) and "Matching products" not in text(page)
    assert 'id="why-not"' not in html(page) and "How the score is made" not in text(page)


def test_another_enterprise_cannot_open_the_request(client_for: Any, other_enterprise_user: Any,
                                                   matched: Any) -> None:
    assert client_for(other_enterprise_user).get(request_url(matched.request)).status_code == 404


# ------------------------------------------------------------------ why not


@pytest.fixture
def bank(db: Any) -> Any:
    """A Hengqin bank: its CNY products reach a Hengqin enterprise through the domestic channel."""
    return InstitutionFactory(organisation__jurisdiction="hengqin", kind="commercial_bank",
                              organisation__name_en="Hengqin Harbour Bank")


def test_the_panel_has_a_why_not_form_listing_the_published_products(client_for: Any, enterprise_user: Any,
                                                                     open_request: Any, bank: Any) -> None:
    fits = ProductFactory(institution=bank, name="Harbour chip loan")
    ProductFactory(institution=bank, name="Harbour draft loan", status=ProductStatus.DRAFT)
    page = client_for(enterprise_user).get(request_url(open_request))
    markup = html(page)
    form = markup[markup.index('<div id="why-not">'):]
    assert f'action="{why_not_url(open_request)}"' in form and 'hx-get="' in form
    assert '<label class="form-label" for="id_product">' in form
    assert f'<option value="{fits.pk}">Harbour chip loan — Hengqin Harbour Bank</option>' in form
    assert "Harbour draft loan" not in form


def test_why_not_names_the_failed_requirements(client_for: Any, enterprise_user: Any, open_request: Any,
                                               bank: Any, channels: Any, rates: Any) -> None:
    picky = ProductFactory(institution=bank, name="Veterans only", min_years_operating=40,
                           stages=["mature"])
    page = client_for(enterprise_user).get(why_not_url(open_request, picky))
    assert page.status_code == 200
    body = text(page)
    assert "Veterans only is out because this request fails 2 of its hard requirements:" in body
    assert "The product asks for at least 40 years operating" in body
    assert "does not finance the Series A stage" in body
    assert 'class="mt-3 alert alert-warning mb-0"' in html(page)


def test_why_not_says_when_it_fits(client_for: Any, enterprise_user: Any, open_request: Any, bank: Any,
                                   channels: Any, rates: Any) -> None:
    fits = ProductFactory(institution=bank, name="Harbour chip loan")
    body = text(client_for(enterprise_user).get(why_not_url(open_request, fits)))
    assert "It fits: this request meets every hard requirement of Harbour chip loan." in body


def test_why_not_answers_in_place_for_htmx(client_for: Any, enterprise_user: Any, open_request: Any, bank: Any,
                                           channels: Any, rates: Any) -> None:
    """The form swaps #why-not from the answer page: the page carries one such block, with the answer."""
    picky = ProductFactory(institution=bank, min_years_operating=40)
    page = client_for(enterprise_user).get(why_not_url(open_request, picky), HTTP_HX_REQUEST="true")
    markup = html(page)
    assert markup.count('id="why-not"') == 1
    block = markup[markup.index('<div id="why-not">'):]
    assert "at least 40 years operating" in block and 'aria-live="polite"' in block


@pytest.mark.parametrize("choice", ["999999", "abc", "draft"])
def test_why_not_refuses_a_product_not_on_the_list(client_for: Any, enterprise_user: Any, open_request: Any,
                                                   bank: Any, choice: str) -> None:
    if choice == "draft":
        choice = str(ProductFactory(institution=bank, status=ProductStatus.DRAFT).pk)
    page = client_for(enterprise_user).get(why_not_url(open_request, choice))
    assert page.status_code == 200
    markup = html(page)
    assert '<div class="invalid-feedback d-block" id="id_product_error">Choose a published product from the list.' \
        in markup
    assert 'aria-invalid="true"' in markup and 'aria-describedby="id_product_error"' in markup
    assert "It fits" not in markup and "hard requirements:" not in markup


def test_why_not_without_a_choice_shows_the_form(client_for: Any, enterprise_user: Any, open_request: Any) -> None:
    page = client_for(enterprise_user).get(why_not_url(open_request))
    assert page.status_code == 200
    assert "Why is a product not among the matches?" in text(page) and "invalid-feedback" not in html(page)


@pytest.mark.parametrize(("role", "status"), [("other_enterprise", 404), ("institution", 403), ("operator", 403),
                                              ("observer", 403)])
def test_why_not_is_the_enterprises_alone(request: Any, client_for: Any, open_request: Any, product: Any,
                                          role: str, status: int) -> None:
    user = request.getfixturevalue(f"{role}_user")
    assert client_for(user).get(why_not_url(open_request, product)).status_code == status


def test_why_not_sends_anonymous_visitors_to_sign_in(client_for: Any, open_request: Any) -> None:
    response = client_for(None).get(why_not_url(open_request))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# ------------------------------------------------------------------ the product page


def test_the_product_page_lists_the_matching_requests(client_for: Any, institution_user: Any, matched: Any,
                                                      product: Any, enterprise: Any) -> None:
    page = client_for(institution_user).get(product_url(product))
    body, markup = text(page), html(page)
    assert "Matching requests" in body
    assert f'href="{request_url(matched.request)}"' in markup
    assert enterprise.organisation.display_name() in body
    assert ">77%</span>" in markup
    assert "Sector matches: Integrated circuits and electronics" in body
    # The revenue reason rests on private data A has not shared with X: replaced, the figure never shown.
    assert HIDDEN_TEXT in body and REVENUE_TEXT not in body and "5,000,000" not in body
    assert "shared under the enterprise" not in body
    assert f'href="{RECOMMENDATIONS}?product={product.pk}"' in markup


def test_under_a_live_statements_consent_the_reason_shows(client_for: Any, institution_user: Any, matched: Any,
                                                          product: Any, institution: Any, enterprise: Any) -> None:
    ConsentGrantFactory(enterprise=enterprise, institution=institution, scopes=[Scope.STATEMENTS.value])
    body = text(client_for(institution_user).get(product_url(product)))
    assert REVENUE_TEXT in body and "shared under the enterprise's consent" in body
    assert HIDDEN_TEXT not in body


def test_a_draft_product_says_to_publish_it(client_for: Any, institution_user: Any, institution: Any) -> None:
    draft = ProductFactory(institution=institution, status=ProductStatus.DRAFT)
    body = text(client_for(institution_user).get(product_url(draft)))
    assert "No match yet: publish the product" in body


def test_a_published_product_without_matches_says_they_come(client_for: Any, institution_user: Any,
                                                            product: Any) -> None:
    body = text(client_for(institution_user).get(product_url(product)))
    assert "No match yet: matches are computed in the background a few seconds after a change" in body


def test_operators_read_a_products_matches(client_for: Any, operator_user: Any, matched: Any, product: Any) -> None:
    body = text(client_for(operator_user).get(product_url(product)))
    assert "Matching requests" in body and REVENUE_TEXT in body


@pytest.mark.parametrize("role", ["enterprise", "other_enterprise", "other_institution"])
def test_others_never_see_a_products_matches(request: Any, client_for: Any, matched: Any, product: Any,
                                             role: str) -> None:
    page = client_for(request.getfixturevalue(f"{role}_user")).get(product_url(product))
    assert page.status_code == 200
    assert 'id="matching-requests"' not in html(page) and "Matching requests" not in text(page)
    assert "How the score is made" not in text(page)


# ------------------------------------------------------------------ enterprises worth a look


def test_recommendations_list_enterprises_with_their_best_product(client_for: Any, institution_user: Any,
                                                                  institution: Any, product: Any) -> None:
    other = ProductFactory(institution=institution, name="Lotus growth equity")
    ent = EnterpriseFactory(organisation__name_en="Cotai Biochips")
    store_match(enterprise=ent, product=product)
    store_match(enterprise=ent, product=other, parts={"sector": 0.5})
    page = client_for(institution_user).get(RECOMMENDATIONS)
    assert page.status_code == 200
    body, markup = text(page), html(page)
    assert "Enterprises worth a look" in body and "recommended to you, not notified" in body
    assert body.count("Cotai Biochips") == 1 and "Lotus chip credit" in body
    assert reverse("enterprises:public_profile", kwargs={"enterprise_id": ent.pk}) in markup
    # Public profile only: the revenue reason is replaced, never shown.
    assert HIDDEN_TEXT in body and REVENUE_TEXT not in body
    # The filter lists the institution's published products.
    assert f'<option value="{other.pk}">Lotus growth equity</option>' in markup
    filtered = text(client_for(institution_user).get(f"{RECOMMENDATIONS}?product={other.pk}"))
    assert "Cotai Biochips" in filtered and "Lotus growth equity" in filtered and "Lotus chip credit</a>" not in \
        html(client_for(institution_user).get(f"{RECOMMENDATIONS}?product={other.pk}"))


def test_recommendations_refuse_another_institutions_product(client_for: Any, institution_user: Any, product: Any,
                                                             other_institution: Any) -> None:
    theirs = ProductFactory(institution=other_institution)
    page = client_for(institution_user).get(f"{RECOMMENDATIONS}?product={theirs.pk}")
    assert page.status_code == 200
    assert 'id="id_product_error">Choose one of your published products.' in html(page)


def test_recommendations_empty_states(client_for: Any, institution_user: Any, institution: Any) -> None:
    body = text(client_for(institution_user).get(RECOMMENDATIONS))
    assert "No recommendation yet: publish a product" in body
    ProductFactory(institution=institution)
    body = text(client_for(institution_user).get(RECOMMENDATIONS))
    assert "No enterprise is recommended yet: recommendations are computed in the nightly matching run" in body


def test_a_pending_institution_gets_no_recommendation(client_for: Any, db: Any) -> None:
    pending = InstitutionFactory(organisation__status="pending", organisation__verified_at=None)
    product = ProductFactory(institution=pending)
    store_match(enterprise=EnterpriseFactory(organisation__name_en="Seen by nobody pending"), product=product)
    body = text(client_for(member_of(pending.organisation)).get(RECOMMENDATIONS))
    assert "Seen by nobody pending" not in body


@pytest.mark.parametrize("role", ["enterprise", "operator", "observer"])
def test_recommendations_are_for_institutions(request: Any, client_for: Any, role: str) -> None:
    assert client_for(request.getfixturevalue(f"{role}_user")).get(RECOMMENDATIONS).status_code == 403


# ------------------------------------------------------------------ batches


@pytest.mark.parametrize("role", ["operator", "observer"])
def test_batches_show_the_concentration(request: Any, client_for: Any, role: str) -> None:
    store_batch()
    page = client_for(request.getfixturevalue(f"{role}_user")).get(BATCHES)
    assert page.status_code == 200
    body = text(page)
    assert "Matching batches" in body and "Financing requests" in body and "Done" in body
    assert "Latest finished run: Financing requests" in body and "12 of 20" in body
    for figure in ("12.5%", "37.5%", "0.421", CURRENT.version):
        assert figure in body
    assert re.search(r"<td class=\"num\">12</td>", html(page))  # distinct products
    assert '<th scope="col" class="num"><abbr title="Share of the top-5 slots held by the busiest 1% of products">' \
        in html(page)


def test_a_running_batch_shows_its_progress_without_figures(client_for: Any, operator_user: Any) -> None:
    MatchBatch.objects.create(kind=BatchKind.ENTERPRISES, weights_version="2026.11-1", queries=9, chunks_total=3,
                              chunks_done=1)
    page = client_for(operator_user).get(BATCHES)
    body = text(page)
    assert "Enterprise recommendations" in body and "Running" in body and "1 / 3" in body
    assert "Latest finished run" not in body and "%" not in body.split("Weights")[-1]


def test_no_batch_yet_says_how_to_run_one(client_for: Any, operator_user: Any) -> None:
    assert "No matching batch has run yet" in text(client_for(operator_user).get(BATCHES))


@pytest.mark.parametrize("role", ["enterprise", "institution"])
def test_batches_are_for_operators_and_observers(request: Any, client_for: Any, role: str) -> None:
    assert client_for(request.getfixturevalue(f"{role}_user")).get(BATCHES).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client_for: Any) -> None:
    for url in (RECOMMENDATIONS, BATCHES):
        response = client_for(None).get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# ------------------------------------------------------------------ navigation


@pytest.mark.parametrize(("role", "present", "absent"), [
    ("institution", RECOMMENDATIONS, BATCHES),
    ("operator", BATCHES, RECOMMENDATIONS),
    ("observer", BATCHES, RECOMMENDATIONS),
    ("enterprise", None, BATCHES),
])
def test_navigation_links_the_pages_per_role(request: Any, client_for: Any, role: str, present: str | None,
                                             absent: str) -> None:
    markup = html(client_for(request.getfixturevalue(f"{role}_user")).get(reverse("web:home")))
    nav = markup[markup.index('id="sidenav"'):markup.index("</nav>", markup.index('id="sidenav"'))]
    if present:
        assert f'href="{present}"' in nav
    assert f'href="{absent}"' not in nav
