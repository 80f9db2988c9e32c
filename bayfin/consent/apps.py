from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "bayfin.consent"
    label = "consent"
    verbose_name = "Consent and data access"
    default_auto_field = "django.db.models.BigAutoField"
