from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .forms import LoginForm

app_name = "accounts"
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html",
                                                authentication_form=LoginForm,
                                                redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("signup/<str:kind>/", views.signup_kind, name="signup_kind"),
    path("operator/verification/", views.verification_queue, name="verification_queue"),
    path("operator/organisations/", views.organisations, name="organisations"),
    path("operator/organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("operator/organisations/<int:pk>/verify/", views.organisation_verify, name="organisation_verify"),
    path("operator/organisations/<int:pk>/reject/", views.organisation_reject, name="organisation_reject"),
    path("operator/audit/", views.audit, name="audit"),
    path("team/", views.team, name="team"),
    path("team/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("team/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
