from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "bayfin.evaluation"
    label = "evaluation"
    verbose_name = "Sci-tech evaluation and policy programmes"
    default_auto_field = "django.db.models.BigAutoField"
