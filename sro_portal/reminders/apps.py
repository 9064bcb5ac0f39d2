from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    """The reminders engine: rows written with the change that makes them due, sent exactly once
    by email and in the app. Apps register their reminder kinds (registry.py)."""

    name = "sro_portal.reminders"
    label = "reminders"
    verbose_name = _("Reminders")

    def ready(self):
        from sro_portal.reminders import local_timer

        local_timer.start_if_wanted()
