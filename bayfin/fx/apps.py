from django.apps import AppConfig


class FxConfig(AppConfig):
    name = "bayfin.fx"
    label = "fx"
    verbose_name = "Exchange rates and cross-border channels"
    default_auto_field = "django.db.models.BigAutoField"
