from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "dealercare.followups"
    label = "followups"
    verbose_name = "Follow-ups"

    def ready(self):
        from . import timeline  # noqa: F401  (registers the customer timeline providers)
