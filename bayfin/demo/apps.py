from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "bayfin.demo"
    label = "demo"
