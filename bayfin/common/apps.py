from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "bayfin.common"
    label = "common"
    verbose_name = "Common"
