from django.apps import AppConfig


class FinancingConfig(AppConfig):
    name = "bayfin.financing"
    label = "financing"
