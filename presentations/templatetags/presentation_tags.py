"""A talk's status as a coloured badge and when it is (or was) planned:
`{% presentation_status_badge presentation %}` and `{% presentation_when presentation %}` in a
template (templates/presentations/presentation_status_badge.html, presentation_when.html),
`status_badge_html(status)` and `when_html(presentation)` in a view that draws many (the list
makes the four badges once a page, and formats each date of its page once). Tags rather than
{% include %}s: the list's two includes a row, with the window's {% blocktranslate %} and its two
dates, cost more than the rest of the row.
"""

from collections.abc import Callable
from datetime import date

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from presentations.models import Presentation
from sro_portal.core.badges import badge_html

register = template.Library()

BADGE_CLASSES = {
    Presentation.Status.REQUESTED: "text-bg-warning",
    Presentation.Status.SCHEDULED: "text-bg-primary",
    Presentation.Status.DELIVERED: "text-bg-success",
}
OTHER_BADGE_CLASS = "text-bg-secondary"  # cancelled


def status_badge_html(status: str) -> SafeString:
    return badge_html(status, Presentation.Status.choices, BADGE_CLASSES, OTHER_BADGE_CLASS)


def when_html(
    presentation: Presentation, day_label: Callable[[date], str] = date_format
) -> SafeString:
    """The date and time on the agency's clock (the middleware activates its time zone); while
    the talk has no date, the school's preferred window. `day_label(day)` is
    day|date:"DATE_FORMAT" (a list passes one that remembers the dates of its page)."""
    if presentation.scheduled_at:
        when = date_format(timezone.localtime(presentation.scheduled_at), "DATETIME_FORMAT")
        return format_html('<span class="text-nowrap">{}</span>', when)
    window = gettext("preferred %(start)s – %(end)s") % {  # noqa: RUF001 (the msgid's en dash)
        "start": day_label(presentation.preferred_from),
        "end": day_label(presentation.preferred_to),
    }
    return format_html('<span class="text-body-secondary">{}</span>', window)


@register.simple_tag
def presentation_status_badge(presentation) -> SafeString:
    return status_badge_html(presentation.status)


@register.simple_tag
def presentation_when(presentation) -> SafeString:
    return when_html(presentation)
