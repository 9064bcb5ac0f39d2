"""The time section: hours by category, SRO role, officer, school and month, and students
reached, checked against a small dataset computed by hand."""

from datetime import date

import pytest

from officers.models import ActivityCategory as C
from sro_portal.accounts.models import Role
from sro_portal.dashboards.metrics import time_spent
from sro_portal.dashboards.scope import scope_for
from tests import factories

pytestmark = pytest.mark.django_db

START, END = date(2025, 9, 1), date(2025, 11, 30)


def _figures(section) -> dict:
    return {figure.label: figure.value for figure in section.figures}


@pytest.fixture
def log(world_a, world_b):
    """Alex (world_a's SRO) and Blake log these minutes in Sep to Nov 2025:

    | officer | school    | date       | category       | min | students |
    | Alex    | High      | 2025-09-02 | mentoring      |  90 |  1 |
    | Alex    | High      | 2025-09-15 | presentation   |  60 | 30 |
    | Alex    | High      | 2025-10-01 | investigation  |  48 |  0 |
    | Alex    | Composite | 2025-11-30 | administration |  30 |  0 |
    | Blake   | Composite | 2025-10-10 | presentation   | 120 | 60 |
    | Blake   | Composite | 2025-10-11 | counselling    |  12 |  1 |
    and entries that must not count: the day before and the day after the period, and
    world_b's log."""
    alex = world_a.sro
    alex.full_name = "Alex Ames"
    alex.save(update_fields=["full_name"])
    blake = factories.UserFactory(agency=world_a.agency, role=Role.SRO, full_name="Blake Boyd")
    high, composite = world_a.school, world_a.other_school
    for officer, school, day, category, minutes, students in [
        (alex, high, date(2025, 9, 2), C.MENTORING, 90, 1),
        (alex, high, date(2025, 9, 15), C.PRESENTATION, 60, 30),
        (alex, high, date(2025, 10, 1), C.INVESTIGATION, 48, 0),
        (alex, composite, date(2025, 11, 30), C.ADMINISTRATION, 30, 0),
        (blake, composite, date(2025, 10, 10), C.PRESENTATION, 120, 60),
        (blake, composite, date(2025, 10, 11), C.COUNSELLING, 12, 1),
        # Outside the period.
        (alex, high, date(2025, 8, 31), C.MENTORING, 100, 5),
        (blake, composite, date(2025, 12, 1), C.MENTORING, 100, 5),
    ]:
        factories.ActivityFactory(
            officer=officer,
            school=school,
            date=day,
            category=category,
            minutes=minutes,
            students_reached=students,
        )
    # Another agency.
    factories.ActivityFactory(
        officer=world_b.sro,
        school=world_b.school,
        date=date(2025, 10, 1),
        category=C.MENTORING,
        minutes=200,
        students_reached=99,
    )
    return alex, blake


def test_program_time_by_hand(world_a, log):
    section = time_spent.build(scope_for(world_a.supervisor, start=START, end=END))

    assert section.key == "time"
    # 90 + 60 + 48 + 30 + 120 + 12 = 360 minutes; students 1 + 30 + 0 + 0 + 60 + 1.
    assert _figures(section) == {"Hours logged": 6.0, "Activities": 6, "Students reached": 92}
    assert section.table("by_category").rows == [
        ["Class presentation", 3.0, 2, 90],
        ["Mentoring", 1.5, 1, 1],
        ["Investigation and enforcement", 0.8, 1, 0],
        ["Administration", 0.5, 1, 0],
        ["Counselling", 0.2, 1, 1],
    ]
    # Law enforcement 48 + 30 = 78 min; educator 180; mentor 90 + 12 = 102 (of 360).
    assert section.table("by_role").rows == [
        ["Law enforcement", 1.3, 21.7],
        ["Educator", 3.0, 50.0],
        ["Mentor and counsellor", 1.7, 28.3],
    ]
    assert section.table("by_officer").rows == [
        ["Alex Ames", 3.8, 4, 31],
        ["Blake Boyd", 2.2, 2, 61],
    ]
    assert section.table("by_school").rows == [
        ["Alpha High", 3.3, 3, 31],
        ["Alpha Composite", 2.7, 3, 61],
    ]
    assert section.table("by_month").rows == [
        ["2025-09", 2.5, 2, 31],
        ["2025-10", 3.0, 3, 61],
        ["2025-11", 0.5, 1, 0],
    ]
    assert [table.chart for table in section.tables] == ["hbar", "bar", "hbar", "hbar", "line"]


def test_program_time_for_one_school(world_a, log):
    scope = scope_for(world_a.supervisor, start=START, end=END, school=world_a.other_school)
    section = time_spent.build(scope)

    # 30 + 120 + 12 = 162 minutes at Alpha Composite.
    assert _figures(section) == {"Hours logged": 2.7, "Activities": 3, "Students reached": 61}
    assert section.table("by_school").rows == [["Alpha Composite", 2.7, 3, 61]]
    assert section.table("by_officer").rows == [
        ["Blake Boyd", 2.2, 2, 61],
        ["Alex Ames", 0.5, 1, 0],
    ]


def test_school_admin_sees_the_time_spent_at_their_school(world_a, log):
    section = time_spent.build(scope_for(world_a.school_admin, start=START, end=END))

    # Alpha High only: 90 + 60 + 48 = 198 minutes.
    assert _figures(section) == {"Hours logged": 3.3, "Activities": 3, "Students reached": 31}
    assert section.table("by_officer").rows == [["Alex Ames", 3.3, 3, 31]]
    assert section.table("by_school").rows == [["Alpha High", 3.3, 3, 31]]
    assert section.table("by_role").rows == [
        ["Law enforcement", 0.8, 24.2],  # 48 / 198
        ["Educator", 1.0, 30.3],  # 60 / 198
        ["Mentor and counsellor", 1.5, 45.5],  # 90 / 198
    ]
    assert section.table("by_month").rows == [
        ["2025-09", 2.5, 2, 31],
        ["2025-10", 0.8, 1, 0],
        ["2025-11", 0.0, 0, 0],
    ]


def test_an_officer_sees_their_own_time_without_the_per_officer_table(world_a, log):
    section = time_spent.build(scope_for(world_a.sro, start=START, end=END))

    # Alex: 90 + 60 + 48 + 30 = 228 minutes, at both schools.
    assert _figures(section) == {"Hours logged": 3.8, "Activities": 4, "Students reached": 31}
    assert section.table("by_officer") is None
    assert [table.key for table in section.tables] == [
        "by_category",
        "by_role",
        "by_school",
        "by_month",
    ]
    assert section.table("by_category").rows == [
        ["Mentoring", 1.5, 1, 1],
        ["Class presentation", 1.0, 1, 30],
        ["Investigation and enforcement", 0.8, 1, 0],
        ["Administration", 0.5, 1, 0],
    ]
    assert section.table("by_school").rows == [
        ["Alpha High", 3.3, 3, 31],
        ["Alpha Composite", 0.5, 1, 0],
    ]


def test_another_agency_sees_only_its_own_time(world_b, log):
    section = time_spent.build(scope_for(world_b.supervisor, start=START, end=END))
    assert _figures(section) == {"Hours logged": 3.3, "Activities": 1, "Students reached": 99}
    assert section.table("by_officer").rows[0][1:] == [3.3, 1, 99]


def test_an_empty_period_has_zero_figures_and_every_month(world_a):
    section = time_spent.build(
        scope_for(
            world_a.supervisor, start=date(2025, 12, 15), end=END.replace(year=2026, month=2, day=2)
        )
    )
    assert _figures(section) == {"Hours logged": 0.0, "Activities": 0, "Students reached": 0}
    assert section.table("by_month").rows == [
        ["2025-12", 0.0, 0, 0],
        ["2026-01", 0.0, 0, 0],
        ["2026-02", 0.0, 0, 0],
    ]
    assert [row[2] for row in section.table("by_role").rows] == [None, None, None]


# The counts are PostgreSQL's: the kept months (rollups) and GROUPING SETS.
@pytest.mark.postgres
def test_time_queries_do_not_grow_with_data(world_a, log, django_assert_num_queries):
    program = scope_for(world_a.supervisor, start=START, end=END)
    officer = scope_for(world_a.sro, start=START, end=END)
    time_spent.build(program)  # computes and keeps the agency's months (rollups)
    with django_assert_num_queries(4):  # the kept months and their versions, the names
        time_spent.build(program)
    with django_assert_num_queries(2):  # the sums in one pass and the schools' names
        time_spent.build(officer)
    for month in (9, 10, 11):
        school = factories.SchoolFactory(board=world_a.school.board)
        for category in (C.MEDIATION, C.DRILL_SUPPORT, C.STAFF_CONSULTATION):
            factories.ActivityFactory(
                officer=factories.UserFactory(agency=world_a.agency, role=Role.SRO),
                school=school,
                date=date(2025, month, 3),
                category=category,
            )
            factories.ActivityFactory(
                officer=world_a.sro, school=school, date=date(2025, month, 4), category=category
            )
    with django_assert_num_queries(6):  # and the changed months: one pass, one write
        grown = time_spent.build(program)
    with django_assert_num_queries(2):
        time_spent.build(officer)
    assert _figures(grown)["Activities"] == 6 + 18
