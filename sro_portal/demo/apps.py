from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo agencies (`manage.py seed_demo`): reads every app; no app reads it."""

    name = "sro_portal.demo"
    label = "demo"
    verbose_name = _("Demo data")
