"""The police incident list's rows and filter fields, drawn in Python (templates/incidents/
police_list.html): `{% incident_rows page people %}`.

Drawn by the template language, a page of 50 rows cost some 13,000 Python calls: each `{{ }}`
looks its value up, escapes and renders it on its own. Here a row is one f-string. What does not
depend on the row is worked out once: the link's pattern (sro_portal/core/links.py) and the date
format once a page; the labels, badges and the dates' words once a process in each language (a
translation costs some thirty Python calls). Every value from the database is escaped; the rest
are numbers. tests/incidents/test_list_tags.py compares both tags with the template loops they
replaced, in English and French.
"""

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from incidents.models import Category, Incident, Location, Severity
from incidents.templatetags.incident_badges import status_badge_html
from sro_portal.core.dates import datetime_label
from sro_portal.core.links import pk_url

register = template.Library()

# What html.escape (and so Django's escape) replaces, in one str.translate() call rather than
# html.escape's five str.replace() calls.
HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"})


def escape(text: str) -> str:
    return text.translate(HTML_ESCAPES)


@register.simple_tag
def incident_rows(rows: Iterable, people: dict[int, tuple[int, int, int]]) -> SafeString:
    """The <tr> of each row (named tuples of incidents.views.police.ROW_FIELDS), with the
    whitespace the template's `{% for %}` loop wrote around them. `people` holds each row's
    (subjects, victims, witnesses), from selectors.people_counts."""
    labels = _labels(get_language())
    detail_url = pk_url("incidents:detail")
    occurred = datetime_label()
    html = []
    for row in rows:
        subjects, victims, witnesses = people[row.id]
        counts = {"subjects": subjects, "victims": victims, "witnesses": witnesses}
        when = escape(occurred(row.occurred_at))
        severity = labels.high if row.severity == Severity.HIGH else ""
        html.append(
            "\n    <tr>\n"
            f'      <td><a href="{detail_url(row.id)}">{when}</a></td>\n'
            f"      <td>{labels.categories[row.category]}{severity}</td>\n"
            f"      <td>{escape(row.school_name)}</td>\n"
            f"      <td>{labels.locations[row.location]}</td>\n"
            f'      <td class="small">{labels.people % counts}</td>\n'
            f"      <td>{labels.badges[row.status]}</td>\n"
            "    </tr>\n  "
        )
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped or a number


@dataclass(frozen=True)
class _Labels:
    """What the rows write in one language that does not depend on the row, escaped."""

    categories: dict[str, str]
    locations: dict[str, str]
    badges: dict[str, str]  # plain str: an f-string writes a SafeString with a Python call
    high: str  # the badge of a high severity
    people: str  # "%(subjects)s subj. · ..."


@functools.cache
def _labels(language: str | None) -> _Labels:
    """The rows' labels in `language`, which must be the active one. The same on every page:
    translated once a process, as the layout's fragments are (settings.CACHES["fragments"]),
    rather than once a page (a translation costs some thirty Python calls)."""
    high = escape(str(Severity.HIGH.label))
    return _Labels(
        categories={value: escape(str(label)) for value, label in Category.choices},
        locations={value: escape(str(label)) for value, label in Location.choices},
        badges={status: str.__str__(status_badge_html(status)) for status in Incident.Status},
        high=f' <span class="badge text-bg-danger">{high}</span>',
        people=escape(_("%(subjects)s subj. · %(victims)s vict. · %(witnesses)s witn.")),
    )
