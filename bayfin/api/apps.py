from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "bayfin.api"
    label = "api"
