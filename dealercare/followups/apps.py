from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "dealercare.followups"
    label = "followups"
    verbose_name = "Follow-ups"
