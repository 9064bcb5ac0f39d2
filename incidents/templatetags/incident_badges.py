"""An incident's status as a coloured badge: `{% status_badge incident %}` in a template
(templates/incidents/police_status_badge.html), `status_badge_html(status)` in a view that draws
many (the list makes the three badges once a page, not one a row)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from incidents.models import Incident

register = template.Library()

BADGE_CLASSES = {
    Incident.Status.CLOSED: "text-bg-secondary",
    Incident.Status.FOLLOW_UP: "text-bg-warning",
}
OTHER_BADGE_CLASS = "text-bg-primary"  # open


def status_badge_html(status: str) -> SafeString:
    label = dict(Incident.Status.choices).get(status, status)
    css = BADGE_CLASSES.get(status, OTHER_BADGE_CLASS)
    return format_html('<span class="badge {}">{}</span>', css, label)


@register.simple_tag
def status_badge(incident) -> SafeString:
    return status_badge_html(incident.status)
