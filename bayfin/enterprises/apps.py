from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "bayfin.enterprises"
    label = "enterprises"
