"""A talk's status as a coloured badge and when it is (or was) planned:
`{% presentation_status_badge presentation %}` and `{% presentation_when presentation %}` in a
template (templates/presentations/presentation_status_badge.html, presentation_when.html),
`status_badge_html(status)` and `when_html(presentation)` in Python. Tags rather than
{% include %}s: the list's two includes a row, with the window's {% blocktranslate %} and its two
dates, cost more than the rest of the row.

The list's table rows are drawn by `{% presentation_list_rows page.object_list %}`
(`list_rows_html`): a page of 50 rows cost some 18,000 Python calls through the view's loop and
the template's variables (each `{{ }}` looks up, escapes and renders its value on its own); here
a row is one str.format, and each date, time of day, range of grades, badge and text is worked
out once a page: about 3,500 calls, most of them formatting the page's dates.
tests/presentations/test_list_rows.py compares the rows with what the template drew.
"""

import functools
from collections.abc import Callable, Iterable
from html import escape

from django import template
from django.utils import dateformat, timezone
from django.utils.formats import date_format, get_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from presentations.models import Presentation, grades_label
from sro_portal.core.badges import badge_html
from sro_portal.core.dates import datetime_label
from sro_portal.core.links import pk_url

register = template.Library()

BADGE_CLASSES = {
    Presentation.Status.REQUESTED: "text-bg-warning",
    Presentation.Status.SCHEDULED: "text-bg-primary",
    Presentation.Status.DELIVERED: "text-bg-success",
}
OTHER_BADGE_CLASS = "text-bg-secondary"  # cancelled


def status_badge_html(status: str) -> SafeString:
    return badge_html(status, Presentation.Status.choices, BADGE_CLASSES, OTHER_BADGE_CLASS)


# The markup of when a talk is: its date and time, or the school's preferred window.
MOMENT_HTML = '<span class="text-nowrap">{}</span>'
WINDOW_HTML = '<span class="text-body-secondary">{}</span>'


def when_html(presentation: Presentation) -> SafeString:
    """The date and time on the agency's clock (the middleware activates its time zone); while
    the talk has no date, the school's preferred window."""
    if presentation.scheduled_at:
        moment = timezone.localtime(presentation.scheduled_at)
        return format_html(MOMENT_HTML, date_format(moment, "DATETIME_FORMAT"))
    window = _window_text() % {
        "start": date_format(presentation.preferred_from),
        "end": date_format(presentation.preferred_to),
    }
    return format_html(WINDOW_HTML, window)


def _window_text() -> str:
    return gettext("preferred %(start)s – %(end)s")  # noqa: RUF001 (the msgid's en dash)


def _when_labels() -> Callable:
    """when_html as a function for the rows of a page (anything with `scheduled_at`,
    `preferred_from` and `preferred_to`), returning HTML as a str: the formats and the window's
    text looked up once, each date and each time of day formatted once."""
    day_format = get_format("DATE_FORMAT")
    day = functools.cache(lambda value: dateformat.format(value, day_format))
    moment = datetime_label()
    window = _window_text()

    def when(talk) -> str:
        if talk.scheduled_at:
            return MOMENT_HTML.format(escape(moment(talk.scheduled_at)))
        text = window % {"start": day(talk.preferred_from), "end": day(talk.preferred_to)}
        return WINDOW_HTML.format(escape(text))

    return when


class _Escaped(dict):
    """text -> escape(text), each text escaped once a page (the rows share a few schools and
    topics)."""

    def __missing__(self, text: str) -> str:
        self[text] = escaped = escape(text)
        return escaped


# One row of the list's table, as templates/presentations/presentation_list.html laid it out in
# a {% for %} loop (with the loop's whitespace).
LIST_ROW = (
    "\n    <tr>\n"
    '      <td><a href="{url}">{topic}</a></td>\n'
    "      <td>{school}</td>\n"
    '      <td>{classes}<div class="small text-body-secondary">{grades}</div></td>\n'
    "      <td>{badge}</td>\n"
    "      <td>{when}</td>\n"
    '      <td class="small">{presenters}</td>\n'
    "    </tr>\n  "
)


def list_rows_html(talks: Iterable) -> SafeString:
    """The rows of the list's table for `talks`, the rows of
    presentations.selectors.presentation_list_for. Every text from the database is escaped;
    the badges, dates and links are HTML built here."""
    detail_url = pk_url("presentations:detail")  # reversed once, not once a row
    badges = functools.cache(status_badge_html)
    grades = functools.cache(lambda first, last: escape(grades_label(first, last)))
    when = _when_labels()
    texts = _Escaped()
    rows = [
        LIST_ROW.format(
            url=detail_url(talk.id),
            topic=texts[talk.topic_title],
            school=texts[talk.school_name],
            classes=texts[talk.classes],
            grades=grades(talk.grade_from, talk.grade_to),
            badge=badges(talk.status),
            when=when(talk),
            presenters=texts[talk.presenter_names] if talk.presenter_names else "—",
        )
        for talk in talks
    ]
    return mark_safe("".join(rows))  # noqa: S308 (built above, every text escaped)


@register.simple_tag
def presentation_status_badge(presentation) -> SafeString:
    return status_badge_html(presentation.status)


@register.simple_tag
def presentation_when(presentation) -> SafeString:
    return when_html(presentation)


@register.simple_tag
def presentation_list_rows(talks) -> SafeString:
    return list_rows_html(talks)
