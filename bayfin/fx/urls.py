from django.urls import path

from . import views

app_name = "fx"
urlpatterns = [
    path("rates/", views.rates, name="rates"),
    path("rates/new/", views.rate_new, name="rate_new"),
    path("rates/import/", views.rate_import, name="rate_import"),
    path("rates/<int:rate_id>/", views.rate_edit, name="rate_edit"),
    path("rates/<int:rate_id>/delete/", views.rate_delete, name="rate_delete"),
    path("channels/", views.channels, name="channels"),
    path("channels/new/", views.channel_new, name="channel_new"),
    path("channels/<int:channel_id>/", views.channel_detail, name="channel_detail"),
    path("channels/<int:channel_id>/edit/", views.channel_edit, name="channel_edit"),
    path("channels/<int:channel_id>/activate/", views.channel_activate, name="channel_activate"),
    path("channels/<int:channel_id>/deactivate/", views.channel_deactivate, name="channel_deactivate"),
    path("converter/", views.converter, name="converter"),
    path("limits/", views.limit_parameters, name="limit_parameters"),
    path("limits/new/", views.limit_parameters_new, name="limit_parameters_new"),
    path("cross-border/", views.cross_border, name="cross_border"),
    path("cross-border/debts/new/", views.debt_new, name="debt_new"),
    path("cross-border/debts/<int:debt_id>/", views.debt_edit, name="debt_edit"),
    path("cross-border/debts/<int:debt_id>/delete/", views.debt_delete, name="debt_delete"),
]
