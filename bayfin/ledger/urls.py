from django.urls import path

from . import views

app_name = "ledger"
urlpatterns = [
    path("", views.public, name="public"),
    path("checkpoints/<int:size>/", views.checkpoint, name="checkpoint"),
    path("entries/<int:index>/receipt/", views.receipt, name="receipt"),
]
