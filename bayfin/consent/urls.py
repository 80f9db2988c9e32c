from django.urls import path

from . import views

app_name = "consent"
urlpatterns = [
    path("", views.grants, name="grants"),
    path("new/", views.grant_create, name="grant_create"),
    path("<int:grant_id>/", views.grant_detail, name="grant_detail"),
    path("<int:grant_id>/confirm/", views.grant_confirm, name="grant_confirm"),
    path("<int:grant_id>/dismiss/", views.grant_dismiss, name="grant_dismiss"),
    path("<int:grant_id>/revoke/", views.grant_revoke, name="grant_revoke"),
    path("accesses/", views.access_log, name="access_log"),
    path("shared/", views.shared, name="shared"),
    path("shared/<int:enterprise_id>/", views.shared_detail, name="shared_detail"),
]
