from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "bayfin.scoring"
    label = "scoring"
    verbose_name = "Credit scoring"
    default_auto_field = "django.db.models.BigAutoField"
