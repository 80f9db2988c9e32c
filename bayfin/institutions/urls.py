from django.urls import path

from . import views

app_name = "institutions"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("products/", views.products, name="products"),
    path("products/new/", views.product_new, name="product_new"),
    path("products/browse/", views.product_browse, name="product_browse"),
    path("products/<int:product_id>/", views.product_detail, name="product_detail"),
    path("products/<int:product_id>/edit/", views.product_edit, name="product_edit"),
    path("products/<int:product_id>/publish/", views.product_publish, name="product_publish"),
    path("products/<int:product_id>/archive/", views.product_archive, name="product_archive"),
    path("products/<int:product_id>/delete/", views.product_delete, name="product_delete"),
    path("operator/associations/", views.associations, name="associations"),
    path("<int:institution_id>/", views.public_profile, name="public_profile"),
]
