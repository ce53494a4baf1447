from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dealercare.core"
    label = "core"
    verbose_name = "Core"
