from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared pages and UI pieces: home per role, health check, error pages, navigation."""

    name = "sro_portal.core"
    label = "core"
    verbose_name = _("Core")
