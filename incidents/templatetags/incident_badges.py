"""An incident's status as a coloured badge: `{% status_badge incident %}` in a template
(templates/incidents/police_status_badge.html), `status_badge_html(status)` in a view that draws
many (the list makes the three badges once a page, not one a row)."""

from django import template
from django.utils.safestring import SafeString

from incidents.models import Incident
from sro_portal.core.badges import badge_html

register = template.Library()

BADGE_CLASSES = {
    Incident.Status.CLOSED: "text-bg-secondary",
    Incident.Status.FOLLOW_UP: "text-bg-warning",
}
OTHER_BADGE_CLASS = "text-bg-primary"  # open


def status_badge_html(status: str) -> SafeString:
    return badge_html(status, Incident.Status.choices, BADGE_CLASSES, OTHER_BADGE_CLASS)


@register.simple_tag
def status_badge(incident) -> SafeString:
    return status_badge_html(incident.status)
