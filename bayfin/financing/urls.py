from django.urls import path

from . import views

app_name = "financing"
urlpatterns = [
    path("requests/", views.my_requests, name="my_requests"),
    path("requests/new/", views.request_create, name="request_create"),
    path("requests/<int:request_id>/", views.request_detail, name="request_detail"),
    path("requests/<int:request_id>/edit/", views.request_edit, name="request_edit"),
    path(
        "requests/<int:request_id>/transition/", views.request_transition, name="request_transition"
    ),
    path("requests/<int:request_id>/interest/", views.request_interest, name="request_interest"),
    path("browse/", views.request_browse, name="request_browse"),
    path("deals/", views.deals, name="deals"),
    path("deals/<int:deal_id>/", views.deal_detail, name="deal_detail"),
    path(
        "deals/<int:deal_id>/term-sheets/", views.deal_term_sheet_propose, name="term_sheet_propose"
    ),
    path(
        "deals/<int:deal_id>/term-sheets/<int:number>/confirm/",
        views.deal_term_sheet_confirm,
        name="term_sheet_confirm",
    ),
    path(
        "deals/<int:deal_id>/term-sheets/<int:number>/document/",
        views.term_sheet_document,
        name="term_sheet_document",
    ),
    path("deals/<int:deal_id>/guarantor/", views.deal_guarantor, name="deal_guarantor"),
    path("deals/<int:deal_id>/payments/", views.deal_payment, name="deal_payment"),
    path("operator/requests/", views.operator_requests, name="operator_requests"),
]
