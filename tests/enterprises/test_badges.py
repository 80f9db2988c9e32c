"""Published qualifications (badges) on public profiles: an enterprise chooses to show a
qualification it meets, never its score; the badge shows only while the latest evaluation
qualifies; institutions filter public profiles and financing requests by it, and a bad
badge code is a 422 naming "badge".
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from bayfin.common.errors import ValidationFailed
from bayfin.enterprises import selectors
from bayfin.evaluation import services
from bayfin.financing import selectors as financing_selectors
from tests.conftest import member_of
from tests.factories import EnterpriseFactory, FinancialStatementFactory, FinancingRequestFactory

pytestmark = pytest.mark.django_db

LAST = timezone.localdate().year - 1
CLEAN = {"restricted_industry": "no", "serious_incident": "no", "on_credit_blacklist": "no"}
API = "/api/v1/enterprises"


def qualify(enterprise: Any) -> Any:
    """Make the enterprise qualify as a sci-tech SME; answer its member."""
    user = member_of(enterprise.organisation)
    FinancialStatementFactory(enterprise=enterprise, year=LAST)
    services.declarations_save(actor=user, data=CLEAN)
    return user


def declare(user: Any, **answers: str) -> None:
    services.declarations_save(actor=user, data=answers)


def badges_of(viewer: Any, enterprise: Any) -> list[str]:
    return selectors.enterprise_public_get_for(viewer, enterprise.pk).badges


@pytest.fixture
def published(enterprise: Any) -> Any:
    """The enterprise qualifies and has published the badge; answers its member."""
    user = qualify(enterprise)
    services.badge_publish(actor=user, rule_set="scitech_sme")
    return user


# --------------------------------------------------------------------------- public profile


def test_a_qualification_shows_only_once_published(enterprise, institution_user):
    user = qualify(enterprise)
    assert badges_of(institution_user, enterprise) == []  # qualifying is private until published
    services.badge_publish(actor=user, rule_set="scitech_sme")
    assert badges_of(institution_user, enterprise) == ["scitech_sme"]


def test_the_badge_stops_showing_when_a_later_evaluation_does_not_qualify(enterprise, published,
                                                                          institution_user):
    declare(published, on_credit_blacklist="yes")
    assert badges_of(institution_user, enterprise) == []
    declare(published, on_credit_blacklist="no")  # qualifies again: the published badge shows again
    assert badges_of(institution_user, enterprise) == ["scitech_sme"]


def test_a_withdrawn_badge_no_longer_shows(enterprise, published, institution_user):
    services.badge_withdraw(actor=published, rule_set="scitech_sme")
    assert badges_of(institution_user, enterprise) == []


def test_the_public_profile_page_shows_the_badge_and_no_score(enterprise, published, institution_user,
                                                              client_for):
    url = reverse("enterprises:public_profile", args=[enterprise.pk])
    html = client_for(institution_user).get(url).content.decode()
    assert "Qualifications" in html and "Sci-tech SME" in html
    assert "score" not in html.lower()
    declare(published, restricted_industry="yes")
    html = client_for(institution_user).get(url).content.decode()
    assert "Sci-tech SME" not in html


def test_the_public_profile_api_carries_badges_and_no_score(enterprise, published, institution_user,
                                                            api_for):
    r = api_for(institution_user).get(f"{API}/public/{enterprise.pk}")
    assert r.status_code == 200
    assert r.json()["badges"] == ["scitech_sme"]
    assert "score" not in r.content.decode() and "evaluation" not in r.content.decode()


# --------------------------------------------------------------------------- public list filter


@pytest.fixture
def three(enterprise: Any, published: Any, other_enterprise: Any) -> dict[str, Any]:
    """One showing its badge, one whose published badge stopped showing, one without any."""
    lapsed = EnterpriseFactory()
    lapsed_user = qualify(lapsed)
    services.badge_publish(actor=lapsed_user, rule_set="scitech_sme")
    declare(lapsed_user, serious_incident="yes")
    return {"shown": enterprise, "lapsed": lapsed, "none": other_enterprise}


def test_the_public_list_filters_by_badge(three, institution_user):
    def ids(badge: str | None) -> list[int]:
        return [p.id for p in selectors.enterprise_public_list_for(institution_user, {"badge": badge})]

    assert ids("scitech_sme") == [three["shown"].pk]
    assert ids("hnte") == []
    assert sorted(ids(None)) == sorted(e.pk for e in three.values())


def test_the_public_list_api_filters_by_badge(three, institution_user, api_for):
    r = api_for(institution_user).get(f"{API}/public?badge=scitech_sme")
    assert r.status_code == 200
    assert [p["id"] for p in r.json()["items"]] == [three["shown"].pk]
    assert r.json()["items"][0]["badges"] == ["scitech_sme"]


def test_a_bad_badge_code_is_refused_naming_badge(enterprise, institution_user, api_for):
    with pytest.raises(ValidationFailed) as exc:
        selectors.enterprise_public_list_for(institution_user, {"badge": "nobel_prize"})
    assert list(exc.value.fields) == ["badge"]
    r = api_for(institution_user).get(f"{API}/public?badge=nobel_prize")
    assert r.status_code == 422 and list(r.json()["fields"]) == ["badge"]


# --------------------------------------------------------------------------- request browse filter


@pytest.fixture
def requests_of(three: dict[str, Any]) -> dict[str, Any]:
    return {name: FinancingRequestFactory(enterprise=e, title=f"Request of {name}") for name, e in three.items()}


def test_request_browse_filters_by_badge(requests_of, institution_user, operator_user):
    for viewer in (institution_user, operator_user):
        found = financing_selectors.request_browse_for(viewer, {"badge": "scitech_sme"})
        assert list(found) == [requests_of["shown"]]
        assert financing_selectors.request_browse_for(viewer, {"badge": "macao_tech"}).count() == 0
        assert financing_selectors.request_browse_for(viewer, {}).count() == 3


def test_request_browse_api_and_page_filter_by_badge(requests_of, institution_user, api_for, client_for):
    r = api_for(institution_user).get("/api/v1/financing/browse?badge=scitech_sme")
    assert r.status_code == 200
    assert [i["id"] for i in r.json()["items"]] == [requests_of["shown"].pk]
    html = client_for(institution_user).get(reverse("financing:request_browse") + "?badge=scitech_sme"
                                            ).content.decode()
    assert "Request of shown" in html and "Request of lapsed" not in html and "Request of none" not in html
    assert "Sci-tech SME" in html


def test_a_bad_badge_code_in_browse_is_refused_naming_badge(institution_user, api_for):
    with pytest.raises(ValidationFailed) as exc:
        financing_selectors.request_browse_for(institution_user, {"badge": "gold"})
    assert list(exc.value.fields) == ["badge"]
    r = api_for(institution_user).get("/api/v1/financing/browse?badge=gold")
    assert r.status_code == 422 and list(r.json()["fields"]) == ["badge"]


def test_two_badges_list_an_enterprise_once(enterprise, published, institution_user):
    from bayfin.evaluation.models import Badge

    Badge.objects.create(enterprise=enterprise, rule_set="hnte", shown=True)
    FinancingRequestFactory(enterprise=enterprise)
    assert badges_of(institution_user, enterprise) == ["hnte", "scitech_sme"]
    assert selectors.enterprise_public_list_for(institution_user, {"badge": "hnte"}).count() == 1
    assert financing_selectors.request_browse_for(institution_user, {"badge": "scitech_sme"}).count() == 1
