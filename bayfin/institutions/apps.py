from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    name = "bayfin.institutions"
    label = "institutions"
