from django.urls import path

from . import views

app_name = "scoring"
urlpatterns = [
    path("", views.own, name="own"),
    path("distribution/", views.distribution, name="distribution"),
    path("models/", views.models, name="models"),
    path("models/<int:version_id>/", views.model_detail, name="model_detail"),
    path("models/<int:version_id>/promote/", views.model_promote, name="model_promote"),
]
