from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "dealercare.operations"
    label = "operations"
    verbose_name = "Operations"

    def ready(self):
        from . import timeline  # noqa: F401  (registers timeline providers)
