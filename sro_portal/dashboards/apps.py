from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """Home pages and (later) dashboards: they read every app; no app reads them."""

    name = "sro_portal.dashboards"
    label = "dashboards"
    verbose_name = _("Dashboards")
