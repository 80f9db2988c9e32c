from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "bayfin.documents"
    label = "documents"
    verbose_name = "Documents (data room)"
    default_auto_field = "django.db.models.BigAutoField"
