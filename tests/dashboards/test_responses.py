"""The responses section: subjects diverted versus charge recommended, per response, per school
and per school year, checked against a small dataset counted by hand."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from sro_portal.dashboards.metrics import responses
from sro_portal.dashboards.scope import scope_for
from sro_portal.dashboards.templatetags.charts import cell
from tests import factories

pytestmark = pytest.mark.django_db

EDMONTON = ZoneInfo("America/Edmonton")
# Two school years (September 1 to June 30 by default; the summer belongs to the year before).
START, END = date(2024, 9, 1), date(2025, 10, 31)


def _at(*args) -> datetime:
    return datetime(*args, tzinfo=EDMONTON)


def _incident_with(school, when, *responses_given, **people):
    """An incident with one subject per response given ("" for a subject without one)."""
    incident = factories.IncidentFactory(school=school, occurred_at=when)
    for response in responses_given:
        factories.InvolvementFactory(incident=incident, role="subject", response=response)
    for role, count in people.items():
        for _ in range(count):
            factories.InvolvementFactory(incident=incident, role=role)
    return incident


def _figures(section) -> dict:
    return {figure.label: figure.value for figure in section.figures}


@pytest.fixture
def dataset(world_a, world_b):
    """Counted by hand, period 2024-09-01..2025-10-31 (Edmonton):

    I1 school 2024-10-10 10:00 (2024-2025): warning, charge; a subject with no response, a
       victim and a witness (not counted)
    I2 other  2025-07-15 10:00 (summer: 2024-2025): payoff
    I3 school 2025-08-31 23:30 (UTC: September 1st, but 2024-2025 locally): caution
    I4 school 2025-10-02 09:00 (2025-2026): referral, no_action, school_discipline
    I5 other  2025-10-31 23:30 (UTC: November 1st, after the period; counted): charge
    not counted: 2024-08-31 23:30 (UTC: September 1st) and 2025-11-01 00:30 at school (warning
    each); world_b's incident in the period (warning, charge).
    """
    school, other = world_a.school, world_a.other_school
    _incident_with(school, _at(2024, 10, 10, 10, 0), "warning", "charge", "", victim=1, witness=1)
    _incident_with(other, _at(2025, 7, 15, 10, 0), "payoff")
    _incident_with(school, _at(2025, 8, 31, 23, 30), "caution")
    _incident_with(school, _at(2025, 10, 2, 9, 0), "referral", "no_action", "school_discipline")
    _incident_with(other, _at(2025, 10, 31, 23, 30), "charge")
    _incident_with(school, _at(2024, 8, 31, 23, 30), "warning")
    _incident_with(school, _at(2025, 11, 1, 0, 30), "warning")
    _incident_with(world_b.school, _at(2025, 1, 15, 10, 0), "warning", "charge")


def test_agency_wide_responses_by_hand(world_a, dataset):
    section = responses.build(scope_for(world_a.supervisor, start=START, end=END))

    assert section.key == "responses"
    assert _figures(section) == {
        "Subjects with a response": 8,
        "Diverted (%)": 50.0,  # warning, payoff, caution, referral: 4 of 8
        "Charge recommended (%)": 25.0,  # 2 of 8
    }
    assert section.figures[1].detail == "4 of 8 subjects"
    assert section.figures[2].detail == "2 of 8 subjects"
    assert section.table("by_response").rows == [
        ["No further action", 1],
        ["Warning", 1],
        ["Caution", 1],
        ["Referral to a community program", 1],
        ["PAYOFF agreement", 1],
        ["School discipline only", 1],
        ["Charge recommended", 2],
    ]
    by_school = section.table("by_school")
    assert by_school.columns == [
        "School",
        "Subjects with a response",
        "Diverted",
        "Charge recommended",
        "Diverted %",
    ]
    assert by_school.rows == [
        ["Alpha Composite", 2, 1, 1, 50.0],
        ["Alpha High", 6, 3, 1, 50.0],
        ["All schools", 8, 4, 2, 50.0],
    ]
    assert by_school.total_label == "All schools"
    assert section.table("by_year").columns[0] == "School year"
    assert section.table("by_year").rows == [
        ["2024-2025", 4, 3, 1, 75.0],  # I1 (2), I2, I3
        ["2025-2026", 4, 1, 1, 25.0],  # I4 (3), I5
    ]


def test_one_school_counts_only_its_subjects(world_a, dataset):
    section = responses.build(
        scope_for(world_a.supervisor, start=START, end=END, school=world_a.school)
    )

    assert _figures(section) == {
        "Subjects with a response": 6,
        "Diverted (%)": 50.0,  # warning, caution, referral
        "Charge recommended (%)": 16.7,  # 1 of 6
    }
    assert section.table("by_school").rows == [
        ["Alpha High", 6, 3, 1, 50.0],
        ["All schools", 6, 3, 1, 50.0],
    ]
    assert section.table("by_year").rows == [
        ["2024-2025", 3, 2, 1, 66.7],
        ["2025-2026", 3, 1, 0, 33.3],
    ]
    assert section.table("by_response").rows[-1] == ["Charge recommended", 1]


def test_a_period_without_responses_has_no_percentages(world_a, world_b):
    _incident_with(world_a.school, _at(2025, 9, 10, 10, 0), "", victim=1)
    _incident_with(world_b.school, _at(2025, 9, 10, 10, 0), "charge")
    section = responses.build(
        scope_for(world_a.supervisor, start=date(2025, 9, 1), end=date(2025, 9, 30))
    )

    assert _figures(section) == {
        "Subjects with a response": 0,
        "Diverted (%)": None,
        "Charge recommended (%)": None,
    }
    assert section.table("by_school").rows == []
    assert section.table("by_year").rows == [["2025-2026", 0, 0, 0, None]]


def test_a_period_starting_in_the_summer_begins_with_the_year_that_just_ended(world_a):
    _incident_with(world_a.school, _at(2025, 7, 20, 10, 0), "warning")
    _incident_with(world_a.school, _at(2025, 9, 1, 0, 15), "charge")
    section = responses.build(
        scope_for(world_a.supervisor, start=date(2025, 7, 1), end=date(2025, 9, 30))
    )
    assert section.table("by_year").rows == [
        ["2024-2025", 1, 1, 0, 100.0],
        ["2025-2026", 1, 0, 1, 0.0],
    ]


@pytest.mark.parametrize("role", ["school_admin", "sro"])
def test_responses_are_refused_outside_the_program_audience(world_a, role):
    scope = scope_for(getattr(world_a, role), start=START, end=END)
    with pytest.raises(PermissionDenied):
        responses.build(scope)


# The counts are PostgreSQL's: the kept months (rollups) and GROUPING SETS.
@pytest.mark.postgres
def test_response_queries_do_not_grow_with_data(world_a, dataset, django_assert_num_queries):
    scope = scope_for(world_a.supervisor, start=START, end=END)
    school_scope = scope_for(world_a.supervisor, start=START, end=END, school=world_a.school)
    responses.build(scope)  # computes and keeps the agency's months (rollups)
    # The school years come from the scope's agency (scope_for: the user's), not a query.
    with django_assert_num_queries(3):  # kept months and versions, names
        responses.build(scope)
    with django_assert_num_queries(2):  # one school: a pass, names
        responses.build(school_scope)
    extra_school = factories.SchoolFactory(board=world_a.school.board)
    for month in range(1, 11):
        for school in (world_a.school, world_a.other_school, extra_school):
            _incident_with(school, _at(2025, month, 5, 13, 0), "warning", "caution", "charge")
    # The ten months that changed: computed again in one pass, one write.
    with django_assert_num_queries(3 + 2):
        section = responses.build(scope)
    assert _figures(section)["Subjects with a response"] == 8 + 90
    with django_assert_num_queries(3):
        assert _figures(responses.build(scope))["Subjects with a response"] == 8 + 90
    with django_assert_num_queries(2):
        responses.build(school_scope)


@pytest.mark.parametrize(
    ("language", "count", "total", "said"),
    [
        ("en", 1, 1, "1 of 1 subject"),
        ("en", 0, 0, "0 of 0 subjects"),
        ("en", 12, 1204, "12 of 1,204 subjects"),
        ("fr", 1, 1, "1 sur 1 personne en cause"),
        ("fr", 12, 1204, "12 sur 1{sep}204 personnes en cause"),
    ],
)
def test_a_share_of_subjects_reads_as_its_figure_does(language, count, total, said):
    """The sentence under a percentage: its noun agrees with the total, and its numbers are
    grouped as the figures' own values are ({% cell %})."""
    with translation.override(language):
        sep = cell(1204)[1]  # the language's thousands separator, as the figures write it
        assert responses._subjects(count, total) == said.format(sep=sep)
