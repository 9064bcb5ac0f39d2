from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    """Private iCalendar feeds of each user's drills (and later presentations): reads the domain
    apps' selectors; no app reads it."""

    name = "sro_portal.calendars"
    label = "calendars"
    verbose_name = _("Calendar feeds")
