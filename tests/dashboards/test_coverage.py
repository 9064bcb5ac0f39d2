"""The coverage section: schools with and without a primary SRO today, and gaps coming."""

from datetime import timedelta

import pytest

from sro_portal.dashboards.metrics import coverage
from sro_portal.dashboards.scope import scope_for
from tests import factories

pytestmark = pytest.mark.django_db


def _figures(section) -> dict:
    return {figure.label: figure.value for figure in section.figures}


def test_coverage_counts_covered_schools_and_gaps_by_hand(world_a, world_b):
    today = world_a.agency.today()
    # world_a.school: its SRO, open-ended (covered, no gap). other_school: uncovered.
    # A third school covered until in 10 days, nobody after: a gap.
    third = factories.SchoolFactory(board=world_a.school.board, name="Gap School")
    factories.AssignmentFactory(
        school=third, starts_on=today - timedelta(days=100), ends_on=today + timedelta(days=10)
    )
    # A fourth school covered until in 10 days, with a successor from the next day: no gap.
    fourth = factories.SchoolFactory(board=world_a.school.board, name="Handover School")
    factories.AssignmentFactory(
        school=fourth, starts_on=today - timedelta(days=100), ends_on=today + timedelta(days=10)
    )
    factories.AssignmentFactory(school=fourth, starts_on=today + timedelta(days=11))
    # A closed school does not count; another agency's schools never do.
    factories.SchoolFactory(board=world_a.school.board, is_active=False)
    factories.SchoolFactory(board=world_b.school.board)

    section = coverage.build(scope_for(world_a.supervisor))

    assert _figures(section) == {
        "Schools": 4,
        "Without a primary SRO today": 1,
        "Gaps in the next 30 days": 1,
    }
    covered = {row[0]: row[2] for row in section.table("schools").rows}
    assert covered == {
        "Alpha High": "yes",
        "Alpha Composite": "no",
        "Gap School": "yes",
        "Handover School": "yes",
    }
    assert section.table("gaps").rows == [["Gap School", (today + timedelta(10)).isoformat()]]


def test_a_school_admin_s_coverage_is_their_school_only(world_a, world_b):
    section = coverage.build(scope_for(world_a.school_admin))
    assert [row[0] for row in section.table("schools").rows] == ["Alpha High"]
    assert _figures(section)["Without a primary SRO today"] == 0


def test_coverage_queries_do_not_grow_with_schools(world_a, django_assert_num_queries):
    scope = scope_for(world_a.supervisor)
    with django_assert_num_queries(2):
        coverage.build(scope)
    for _ in range(5):
        factories.AssignmentFactory(school=factories.SchoolFactory(board=world_a.school.board))
    with django_assert_num_queries(2):
        coverage.build(scope)
