from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dealercare.accounts"
    label = "accounts"
    verbose_name = "Accounts"
