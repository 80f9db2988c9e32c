from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bayfin.accounts"
    label = "accounts"
