from django.urls import path

from . import views

app_name = "enterprises"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/owners/add/", views.owner_add, name="owner_add"),
    path("profile/owners/<int:owner_id>/", views.owner_edit, name="owner_edit"),
    path("profile/owners/<int:owner_id>/remove/", views.owner_remove, name="owner_remove"),
    path("profile/certifications/add/", views.certification_add, name="certification_add"),
    path("profile/certifications/<int:certification_id>/", views.certification_edit,
         name="certification_edit"),
    path("profile/certifications/<int:certification_id>/remove/", views.certification_remove,
         name="certification_remove"),
    path("statements/", views.statements, name="statements"),
    path("statements/add/", views.statement_add, name="statement_add"),
    path("statements/<int:year>/", views.statement_edit, name="statement_edit"),
    path("statements/<int:year>/delete/", views.statement_delete, name="statement_delete"),
    path("<int:enterprise_id>/", views.public_profile, name="public_profile"),
]
