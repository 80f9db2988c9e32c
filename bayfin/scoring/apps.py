from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_builtin(**kwargs: Any) -> None:
    """After every ``migrate``: register builtin versions committed since the data migration ran
    (``services.model_sync_builtin`` is idempotent)."""
    from django.db import connections

    from .models import ModelVersion
    from .services import model_sync_builtin

    connection = connections[kwargs.get("using") or "default"]
    if ModelVersion._meta.db_table in connection.introspection.table_names():  # not after `migrate scoring zero`
        model_sync_builtin()


class ScoringConfig(AppConfig):
    name = "bayfin.scoring"
    label = "scoring"
    verbose_name = "Credit scoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_sync_builtin, sender=self, dispatch_uid="bayfin.scoring.sync_builtin")
