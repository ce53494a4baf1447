from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CsiConfig(AppConfig):
    name = "dealercare.csi"
    verbose_name = _("CSI analysis")
