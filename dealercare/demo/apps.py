from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "dealercare.demo"
    label = "demo"
    verbose_name = "Demo data"
