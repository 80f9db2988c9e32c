from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "bayfin.analytics"
    label = "analytics"
