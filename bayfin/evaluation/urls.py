from django.urls import path

from . import views

app_name = "evaluation"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("run/", views.evaluate, name="evaluate"),
    path("badges/publish/", views.badge_publish, name="badge_publish"),
    path("badges/withdraw/", views.badge_withdraw, name="badge_withdraw"),
    path("declarations/", views.declarations, name="declarations"),
    path("history/", views.history, name="history"),
    path("programmes/", views.programmes, name="programmes"),
    path("programmes/<int:programme_id>/", views.programme, name="programme"),
    path("applications/<int:application_id>/withdraw/", views.application_withdraw, name="application_withdraw"),
    path("operator/programmes/", views.operator_programmes, name="operator_programmes"),
    path("operator/programmes/new/", views.operator_programme_new, name="operator_programme_new"),
    path("operator/programmes/<int:programme_id>/edit/", views.operator_programme_edit,
         name="operator_programme_edit"),
    path("operator/applications/", views.operator_applications, name="operator_applications"),
    path("operator/applications/<int:application_id>/", views.operator_application, name="operator_application"),
    path("<int:evaluation_id>/", views.detail, name="detail"),
]
