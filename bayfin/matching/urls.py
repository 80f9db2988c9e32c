from django.urls import path

from . import views

app_name = "matching"
urlpatterns = [
    path("requests/<int:request_id>/why-not/", views.why_not, name="why_not"),
    path("recommendations/", views.recommendations, name="recommendations"),
    path("batches/", views.batches, name="batches"),
]
