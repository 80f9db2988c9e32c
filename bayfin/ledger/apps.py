from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "bayfin.ledger"
    label = "ledger"
    verbose_name = "Verifiable ledger"
    default_auto_field = "django.db.models.BigAutoField"
