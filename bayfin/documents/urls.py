from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("", views.data_room, name="data_room"),
    path("<int:document_id>/download/", views.download, name="download"),
    path("<int:document_id>/delete/", views.delete, name="delete"),
    path("deal/<int:deal_id>/upload/", views.deal_upload, name="deal_upload"),
    path("shared/<int:enterprise_id>/", views.shared_for, name="shared_for"),
]
