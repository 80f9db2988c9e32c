from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from bayfin.api.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/", include("bayfin.accounts.urls")),
    path("enterprise/", include("bayfin.enterprises.urls")),
    path("institution/", include("bayfin.institutions.urls")),
    path("financing/", include("bayfin.financing.urls")),
    path("fx/", include("bayfin.fx.urls")),
    path("evaluation/", include("bayfin.evaluation.urls")),
    path("scoring/", include("bayfin.scoring.urls")),
    path("matching/", include("bayfin.matching.urls")),
    path("ledger/", include("bayfin.ledger.urls")),
    path("consent/", include("bayfin.consent.urls")),
    path("documents/", include("bayfin.documents.urls")),
    path("notifications/", include("bayfin.notifications.urls")),
    path("", include("bayfin.web.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
