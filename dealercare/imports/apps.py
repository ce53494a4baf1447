from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "dealercare.imports"
    label = "imports"
    verbose_name = "Imports"
