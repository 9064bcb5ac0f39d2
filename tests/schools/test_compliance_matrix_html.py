"""The compliance matrix's pieces drawn in Python (schools.views: the summary's items, the school
year options, the rows) are what templates/schools/compliance_matrix.html drew before, in English
and French, with HTML-special characters in the schools' names; and compliance reads drills as
plain tuples (selectors.drill_facts) as it reads DrillFacts."""

from collections import namedtuple
from datetime import date

import pytest
from django.template import engines
from django.utils import translation
from django.utils.safestring import SafeString

from schools import views
from schools.compliance import (
    FLAGGED,
    DrillFact,
    KindCompliance,
    Period,
    Requirement,
    Status,
    matrix_columns,
    school_compliance,
)
from schools.models import DrillKind, DrillRule
from sro_portal.accounts.models import Agency
from sro_portal.core.links import pk_url

AGENCY = Agency(name="x", slug="x")  # the Alberta default calendar, not saved
YEAR = AGENCY.school_year_for(date(2026, 10, 1))
FALL = Period(YEAR.terms[0].name, YEAR.terms[0].start, YEAR.terms[0].end)
School = namedtuple("School", "pk name board_id")  # as selectors.compliance_of gives them
TRICKY = School(7, 'Ben & Jerry\'s <Academy> "East"', 1)
PLAIN = School(8, "Plain School", 1)

# The summary's items and the year options as the template drew them, from the values the view
# computed for them.
TEMPLATE_FLAGGED = (
    "{% for url, name, label, badge in flagged %}"
    '<li><a href="{{ url }}">{{ name }}</a>: {{ label }} {{ badge }}</li>{% endfor %}'
)
TEMPLATE_YEARS = (
    '{% for option in years %}<option value="{{ option.start.year }}"'
    "{% if option.start == year.start %} selected{% endif %}>{{ option.label }}</option>"
    "{% endfor %}"
)


def _render(source: str, context: dict) -> str:
    return engines["django"].from_string(source).render(context)


def _cell(kind, status, *, unannounced_only=False, done=1, planned=0) -> KindCompliance:
    requirement = Requirement(kind, unannounced_only, FALL, 2, done, planned, status)
    return KindCompliance(kind, unannounced_only, [requirement], status)


def _matrix():
    return [
        (
            TRICKY,
            [
                _cell(DrillKind.EVACUATION, Status.BEHIND, planned=1),
                _cell(DrillKind.LOCKDOWN, Status.AT_RISK, unannounced_only=True, done=0),
            ],
        ),
        (PLAIN, [_cell(DrillKind.EVACUATION, Status.COMPLETE, done=2)]),
    ]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_summary_items_are_the_template_s(language):
    school_url = pk_url("schools:school_detail")
    with translation.override(language):
        matrix = _matrix()
        labels = dict(matrix_columns(matrix))
        badges = {status: views._badge(status) for status in Status}
        flagged = [
            (school, cell) for school, cells in matrix for cell in cells if cell.status in FLAGGED
        ]
        drawn = views._flagged_html(flagged, labels, badges, school_url)
        expected = _render(
            TEMPLATE_FLAGGED,
            {
                "flagged": [
                    (
                        school_url(school.pk),
                        school.name,
                        labels[cell.kind, cell.unannounced_only],
                        SafeString(badges[cell.status]),  # the view passed format_html's
                    )
                    for school, cell in flagged
                ]
            },
        )
    assert drawn == expected
    assert "Ben &amp; Jerry&#x27;s &lt;Academy&gt; &quot;East&quot;" in drawn


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_year_options_are_the_template_s(language):
    years = [AGENCY.school_year_for(date(2026 - n, 9, 1)) for n in range(5)]
    with translation.override(language):
        drawn = views._year_options_html(years, years[1])
        expected = _render(TEMPLATE_YEARS, {"years": years, "year": years[1]})
    assert drawn == expected
    assert '<option value="2025" selected>2025-2026</option>' in drawn


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_row_escapes_the_school_name_and_dashes_a_rule_its_board_lacks(language):
    school_url = pk_url("schools:school_detail")
    with translation.override(language):
        matrix = _matrix()
        keys = [key for key, _label in matrix_columns(matrix)]
        badges = {status: views._badge(status) for status in Status}
        drawn = views._rows_html(_Page(matrix), keys, badges, school_url)
    first, second = drawn.split("</tr>")[:2]
    assert (
        f'<a href="{school_url(TRICKY.pk)}">Ben &amp; Jerry&#x27;s &lt;Academy&gt; '
        "&quot;East&quot;</a></th>"
    ) in first
    assert first.count("<td>") == 2 and views.NO_RULE not in first
    assert second.count("<td>") == 2 and views.NO_RULE in second  # its board: no lockdown rule
    assert badges[Status.BEHIND] in first and badges[Status.COMPLETE] in second


class _Page:
    """What _rows_html reads of a Paginator's page."""

    def __init__(self, object_list):
        self.object_list = object_list


@pytest.mark.parametrize("status", list(Status))
def test_a_badge_escapes_its_label(status):
    with translation.override("fr"):
        badge = views._badge(status)
        assert badge.endswith(f">{status.label}</span>".replace("'", "&#x27;"))


def test_compliance_reads_plain_tuples_as_drill_facts():
    """selectors.drill_facts gives the database's rows, plain tuples in DrillFact's order."""
    rules = [
        DrillRule(kind=DrillKind.EVACUATION, period=DrillRule.Period.TERM, required=2),
        DrillRule(
            kind=DrillKind.LOCKDOWN,
            period=DrillRule.Period.YEAR,
            required=2,
            unannounced_required=1,
        ),
    ]
    facts = [
        DrillFact(DrillKind.EVACUATION, True, True, date(2026, 9, 20), 7),
        DrillFact(DrillKind.EVACUATION, True, False, date(2026, 12, 1), 7),
        DrillFact(DrillKind.EVACUATION, True, False, date(2026, 10, 1), 7),  # planned, gone by
        DrillFact(DrillKind.LOCKDOWN, False, True, date(2026, 10, 5), 7),
        DrillFact(DrillKind.LOCKDOWN, True, False, date(2027, 3, 1), 7),
        DrillFact(DrillKind.HOLD_AND_SECURE, True, True, date(2026, 10, 5), 7),
    ]
    today = date(2026, 11, 2)
    named = school_compliance(rules=rules, facts=facts, year=YEAR, today=today)
    plain = school_compliance(rules=rules, facts=[tuple(f) for f in facts], year=YEAR, today=today)
    assert plain == named
    by_rule = {(cell.kind, cell.unannounced_only): cell for cell in named}
    evacuation = by_rule[DrillKind.EVACUATION, False]
    lockdown, unannounced = by_rule[DrillKind.LOCKDOWN, False], by_rule[DrillKind.LOCKDOWN, True]
    assert (evacuation.current.done, evacuation.current.planned) == (1, 1)
    assert (lockdown.current.done, lockdown.current.planned) == (1, 1)
    assert (unannounced.current.done, unannounced.current.planned) == (1, 0)
