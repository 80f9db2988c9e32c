from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "bayfin.web"
    label = "web"
