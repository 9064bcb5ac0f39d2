"""The incidents section: the five views (category, month against the year before, location, hour
and weekday, school) and its figures, checked against a small dataset counted by hand."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from incidents.models import Incident
from sro_portal.dashboards.metrics import incidents
from sro_portal.dashboards.scope import Audience, Scope, scope_for
from tests import factories

pytestmark = pytest.mark.django_db

EDMONTON = ZoneInfo("America/Edmonton")
START, END = date(2025, 9, 1), date(2025, 10, 31)


def _at(*args) -> datetime:
    return datetime(*args, tzinfo=EDMONTON)


def _incident(school, when, *, category="assault", location="hallway", status="closed"):
    return factories.IncidentFactory(
        school=school, occurred_at=when, category=category, location=location, status=status
    )


def _figures(section) -> dict:
    return {figure.label: figure.value for figure in section.figures}


def _nonzero(table) -> list:
    return [row for row in table.rows if row[1]]


@pytest.fixture
def dataset(world_a, world_b):
    """Counted by hand, period 2025-09-01..2025-10-31 (Edmonton, daylight time: UTC-6):

    this period  A school  Wed 2025-09-10 10:15 assault   hallway    open
                 B school  Wed 2025-09-10 12:40 assault   cafeteria  closed
                 C school  Fri 2025-10-31 23:30 bullying  online     under follow-up
                           (UTC: Saturday 2025-11-01 05:30, the next day and month)
                 D other   Mon 2025-10-06 08:05 drugs     washroom   closed
    year before  P1 school 2024-09-15 14:00 theft;  P2 other 2024-10-20 09:00 assault;
                 P3 school 2024-10-31 23:30 (UTC: 2024-11-01) assault
    not counted  2025-08-31 23:30 (UTC: 2025-09-01) and 2025-11-01 00:30 at school;
                 2024-08-31 23:30 and 2024-11-01 00:30 (around the year before);
                 world_b's incidents in both periods.
    """
    school, other = world_a.school, world_a.other_school
    assert world_a.agency.time_zone == "America/Edmonton"
    _incident(school, _at(2025, 9, 10, 10, 15), status="open")
    _incident(school, _at(2025, 9, 10, 12, 40), location="cafeteria")
    _incident(
        school,
        _at(2025, 10, 31, 23, 30),
        category="bullying",
        location="online",
        status=Incident.Status.FOLLOW_UP,
    )
    _incident(other, _at(2025, 10, 6, 8, 5), category="drugs", location="washroom")
    _incident(school, _at(2024, 9, 15, 14, 0), category="theft")
    _incident(other, _at(2024, 10, 20, 9, 0))
    _incident(school, _at(2024, 10, 31, 23, 30))
    for when in (
        _at(2025, 8, 31, 23, 30),
        _at(2025, 11, 1, 0, 30),
        _at(2024, 8, 31, 23, 30),
        _at(2024, 11, 1, 0, 30),
    ):
        _incident(school, when, status="open")
    for when in (_at(2025, 9, 10, 10, 0), _at(2024, 10, 1, 10, 0)):
        _incident(world_b.school, when, category="weapons", status="open")
        _incident(world_b.other_school, when, category="weapons", location="gym")


def test_agency_wide_figures_and_tables_by_hand(world_a, dataset):
    section = incidents.build(scope_for(world_a.supervisor, start=START, end=END))

    assert section.key == "incidents"
    assert _figures(section) == {
        "Incidents": 4,
        "Change vs the year before (%)": 33.3,  # (4 - 3) / 3
        "Open now": 2,  # A open, C under follow-up
    }
    assert section.figures[0].detail == "vs 3 the year before"
    assert section.table("by_month").columns == ["Month", "This period", "Year before"]
    assert section.table("by_month").rows == [["2025-09", 2, 1], ["2025-10", 2, 2]]
    assert section.table("by_month").chart == "line"
    assert section.table("by_month").series == (1, 2)

    by_category = section.table("by_category")
    assert by_category.chart == "hbar"
    assert _nonzero(by_category) == [
        ["Assault or fight", 2],
        ["Bullying", 1],
        ["Drugs or vaping", 1],
    ]
    assert len(by_category.rows) == 11  # every category, zeros included, by its label
    assert by_category.rows[3] == ["Cyberbullying", 0]

    assert _nonzero(section.table("by_location")) == [
        ["Hallway", 1],
        ["Washroom", 1],
        ["Cafeteria", 1],
        ["Online", 1],
    ]
    assert len(section.table("by_location").rows) == 13

    hours = section.table("by_hour").rows
    assert [row[0] for row in hours] == [f"{hour:02d}:00" for hour in range(24)]
    assert {row[0]: row[1] for row in hours if row[1]} == {
        "08:00": 1,
        "10:00": 1,
        "12:00": 1,
        "23:00": 1,  # C, not 05:00 (its UTC hour)
    }
    assert section.table("by_weekday").rows == [
        ["Monday", 1],
        ["Tuesday", 0],
        ["Wednesday", 2],
        ["Thursday", 0],
        ["Friday", 1],  # C, not Saturday (its UTC day)
        ["Saturday", 0],
        ["Sunday", 0],
    ]
    assert section.table("by_school").rows == [["Alpha High", 3], ["Alpha Composite", 1]]
    assert section.table("by_school").chart == "hbar"


def test_one_school_counts_only_its_incidents(world_a, dataset):
    section = incidents.build(
        scope_for(world_a.supervisor, start=START, end=END, school=world_a.school)
    )

    assert _figures(section) == {
        "Incidents": 3,  # A, B, C
        "Change vs the year before (%)": 50.0,  # (3 - 2) / 2: P1 and P3
        "Open now": 2,
    }
    assert section.table("by_month").rows == [["2025-09", 2, 1], ["2025-10", 1, 1]]
    assert _nonzero(section.table("by_category")) == [["Assault or fight", 2], ["Bullying", 1]]
    assert section.table("by_school").rows == [["Alpha High", 3]]
    assert {row[0]: row[1] for row in section.table("by_hour").rows if row[1]} == {
        "10:00": 1,
        "12:00": 1,
        "23:00": 1,
    }


def test_a_school_admin_sees_counts_of_their_school_only(world_a, dataset):
    scope = scope_for(world_a.school_admin, start=START, end=END)
    assert scope.audience == Audience.SCHOOL
    section = incidents.build(scope)

    assert _figures(section)["Incidents"] == 3
    assert section.table("by_school").rows == [["Alpha High", 3]]
    assert "Counts only" in section.note
    # Counts and labels only: every table's cells are labels and integers.
    for table in section.tables:
        for row in table.rows:
            assert isinstance(row[0], str)
            assert all(isinstance(cell, int) for cell in row[1:])


def test_schools_without_incidents_are_listed_with_zero_and_no_change_without_a_year_before(
    world_a,
):
    _incident(world_a.school, _at(2025, 9, 2, 11, 0))
    factories.SchoolFactory(board=world_a.school.board, name="Closed School", is_active=False)
    section = incidents.build(scope_for(world_a.supervisor, start=START, end=END))

    assert section.table("by_school").rows == [["Alpha High", 1], ["Alpha Composite", 0]]
    assert _figures(section)["Change vs the year before (%)"] is None
    assert section.figures[0].detail == "vs 0 the year before"
    assert _figures(section)["Open now"] == 0


def test_months_run_over_the_whole_period_across_the_new_year(world_a):
    _incident(world_a.school, _at(2025, 1, 31, 23, 30))  # UTC: February 1st
    _incident(world_a.school, _at(2024, 2, 10, 9, 0))
    scope = Scope(
        agency_id=world_a.agency.pk,
        audience=Audience.PROGRAM,
        start=date(2024, 12, 15),
        end=date(2025, 2, 14),
        tz_name="America/Edmonton",
    )
    section = incidents.build(scope)
    assert section.table("by_month").rows == [
        ["2024-12", 0, 0],
        ["2025-01", 1, 0],
        ["2025-02", 0, 1],
    ]


# The counts are PostgreSQL's: the kept months (rollups) and GROUPING SETS.
@pytest.mark.postgres
def test_incident_queries_do_not_grow_with_data(world_a, dataset, django_assert_num_queries):
    scope = scope_for(world_a.supervisor, start=START, end=END)
    school_scope = scope_for(world_a.supervisor, start=START, end=END, school=world_a.school)
    incidents.build(scope)  # computes and keeps the agency's months (rollups)
    with django_assert_num_queries(5):  # kept months and versions, twice; the schools' names
        incidents.build(scope)
    with django_assert_num_queries(3):  # one school: a pass a period, the names
        incidents.build(school_scope)
    extra_school = factories.SchoolFactory(board=world_a.school.board)
    for day in range(1, 25):
        for school in (world_a.school, world_a.other_school, extra_school):
            _incident(school, _at(2025, 10, day, day % 24, 0), category="threats")
            _incident(school, _at(2024, 9, day, 7, 0), location="gym")
    # The changed months (this October, September a year before): a pass and a write a period.
    with django_assert_num_queries(5 + 4):
        section = incidents.build(scope)
    assert _figures(section)["Incidents"] == 4 + 72
    with django_assert_num_queries(5):
        assert _figures(incidents.build(scope))["Incidents"] == 4 + 72
    with django_assert_num_queries(3):
        assert _figures(incidents.build(school_scope))["Incidents"] < 4 + 72
