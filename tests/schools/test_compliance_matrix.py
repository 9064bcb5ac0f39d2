"""The compliance matrix at more schools than a page: 50 schools a page by name, the summary and
the filters over every school, the same queries on every page."""

import re
from datetime import date, datetime, time

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools import selectors
from schools.compliance import Status
from schools.models import DrillKind, DrillRule
from schools.views import _badge
from tests import factories
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

URL = reverse("schools:compliance")


def _rows(html: str) -> list[str]:
    """The schools of the matrix's rows, in order."""
    return re.findall(r'<th scope="row" class="fw-normal"><a href="[^"]*">([^<]*)</a></th>', html)


def _late_january(world):
    """Six days before the fall term ends: a school without its term's drill is at risk."""
    return datetime.combine(date(2027, 1, 25), time(12), tzinfo=world.agency.tzinfo)


@pytest.fixture
def fifty_five(world_a):
    """55 active schools on the world's board (its two and 53 more), one evacuation drill
    required a term, done by every school but Alpha Composite (page 1) and Matrix School 052
    (page 2)."""
    board = world_a.school.board
    DrillRule.objects.create(
        agency=world_a.agency, board=board, kind=DrillKind.EVACUATION, period="term", required=1
    )
    more = [factories.SchoolFactory(board=board, name=f"Matrix School {n:03}") for n in range(53)]
    october = datetime.combine(date(2026, 10, 1), time(10), tzinfo=world_a.agency.tzinfo)
    for school in [world_a.school, *more[:-1]]:
        factories.DrillFactory(
            school=school,
            kind=DrillKind.EVACUATION,
            status="completed",
            planned_at=october,
            started_at=october,
        )
    return more


def test_the_matrix_shows_fifty_schools_a_page_and_sums_up_every_school(
    client, world_a, fifty_five
):
    with time_machine.travel(_late_january(world_a), tick=False):
        signed_in(client, world_a.supervisor)
        first = client.get(URL).text
        second = client.get(URL, {"page": 2}).text
        attention = client.get(URL, {"attention": "on"}).text

    everyone = ["Alpha Composite", "Alpha High", *(f"Matrix School {n:03}" for n in range(53))]
    assert _rows(first) == everyone[:50]
    assert _rows(second) == everyone[50:]
    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    assert "Page 2 of 2" in second and 'href="?page=1"' in second
    # The summary counts every school's requirements, not only the page's.
    for page in (first, second):
        assert "2 requirements at risk or behind" in page
        assert ">Alpha Composite</a>: Evacuation / fire" in page
        assert ">Matrix School 052</a>: Evacuation / fire" in page
    # The cells: done out of required in the period in progress, the status in words.
    assert "1/1</span> <span" in first and ">Complete</span>" in first
    assert "0/1</span> <span" in second and ">At risk</span>" in second
    # Only the schools at risk: one page, no page links.
    assert _rows(attention) == ["Alpha Composite", "Matrix School 052"]
    assert "Page 1 of" not in attention


def test_paging_keeps_the_board_and_attention_filters(client, world_a, fifty_five):
    other_board = factories.SchoolBoardFactory(agency=world_a.agency, name="North board")
    DrillRule.objects.create(
        agency=world_a.agency, board=other_board, kind=DrillKind.LOCKDOWN, required=1
    )
    factories.SchoolFactory(board=other_board, name="North High")
    board = world_a.school.board
    with time_machine.travel(_late_january(world_a), tick=False):
        signed_in(client, world_a.supervisor)
        first = client.get(URL, {"board": board.pk}).text
        second = client.get(URL, {"board": board.pk, "page": 2}).text
        everywhere = client.get(URL, {"page": 2}).text
        past_the_end = client.get(URL, {"board": board.pk, "page": 9})
        not_a_page = client.get(URL, {"page": "last"})

    assert f'href="?board={board.pk}&amp;page=2"' in first
    assert f'href="?board={board.pk}&amp;page=1"' in second
    assert "North High" not in first + second
    assert _rows(second) == [f"Matrix School {n:03}" for n in range(48, 53)]
    # All boards: North High sorts among them, and the columns are every board's rules on
    # every page (a dash where the school's board has no such rule).
    assert "North High" in _rows(everywhere)
    assert '<th scope="col">Lockdown</th>' in everywhere
    assert '<td><span class="text-body-secondary">—</span></td>' in everywhere
    # A page past the end shows the last; one that is not a number, the first.
    assert past_the_end.status_code == 200 and _rows(past_the_end.text) == _rows(second)
    assert not_a_page.status_code == 200 and _rows(not_a_page.text)[0] == "Alpha Composite"

    with time_machine.travel(_late_january(world_a), tick=False):
        signed_in(client, world_a.supervisor)
        flagged = client.get(URL, {"board": board.pk, "attention": "on", "page": 1}).text
    assert _rows(flagged) == ["Alpha Composite", "Matrix School 052"]


def test_every_page_costs_the_same_queries(client, world_a, fifty_five, django_assert_num_queries):
    board = world_a.school.board
    with time_machine.travel(_late_january(world_a), tick=False):
        signed_in(client, world_a.supervisor)
        client.get(URL)
        with CaptureQueriesContext(connection) as first:
            client.get(URL)
        with CaptureQueriesContext(connection) as filtered:
            client.get(URL, {"board": board.pk, "attention": "on"})
        # The board filter checks the board among the options it read: no query of its own.
        assert len(filtered) == len(first)
        with django_assert_num_queries(len(first)):
            assert client.get(URL, {"page": 2}).status_code == 200
        with django_assert_num_queries(len(filtered)):
            client.get(URL, {"board": board.pk, "attention": "on", "page": 2})
        # More schools, more drills: the same queries.
        for n in range(60):
            school = factories.SchoolFactory(board=board, name=f"Zeta School {n:03}")
            factories.DrillFactory(school=school, kind=DrillKind.EVACUATION)
        with django_assert_num_queries(len(first)):
            assert "Page 3 of 3" in client.get(URL, {"page": 3}).text


def test_the_summary_names_fifty_requirements_then_points_to_the_filter(client, world_a):
    board = world_a.school.board
    DrillRule.objects.create(
        agency=world_a.agency, board=board, kind=DrillKind.EVACUATION, period="term", required=1
    )
    for n in range(53):
        factories.SchoolFactory(board=board, name=f"Matrix School {n:03}")
    with time_machine.travel(_late_january(world_a), tick=False):
        signed_in(client, world_a.supervisor)
        page = client.get(URL, {"board": board.pk, "page": 2}).text
        attention = client.get(URL, {"board": board.pk, "attention": "on"}).text

    assert "55 requirements at risk or behind" in page
    summary = page[page.index('role="status"') : page.index("</ul>", page.index('role="status"'))]
    assert summary.count("<li><a ") == 50
    assert "And 5 more." in summary
    assert f'href="?board={board.pk}&amp;attention=on">Only schools at risk or behind' in summary
    assert "And 5 more." in attention and "?board=" not in attention.split("And 5 more.")[1][:80]


def test_a_drill_counts_on_its_day_in_the_agency_time_zone(world_a):
    """The day of a drill is the agency's (PostgreSQL converts it): one started late on the
    last day of the fall term counts for the fall term, though it is February in UTC."""
    tz = world_a.agency.tzinfo
    late = datetime.combine(date(2027, 1, 31), time(23, 30), tzinfo=tz)
    early = datetime.combine(date(2027, 2, 1), time(0, 30), tzinfo=tz)
    for moment, status in ((late, "completed"), (early, "scheduled")):
        factories.DrillFactory(
            school=world_a.school,
            kind=DrillKind.EVACUATION,
            status=status,
            planned_at=moment,
            started_at=moment if status == "completed" else None,
        )
    factories.DrillFactory(school=world_a.school, status="cancelled", planned_at=late)
    year = world_a.agency.school_year_for(date(2027, 1, 1))
    facts = selectors.drill_facts(
        [world_a.school], agency_id=world_a.agency.pk, start=year.start, end=year.end, tz=tz
    )
    assert sorted(facts[world_a.school.pk]) == [
        (DrillKind.EVACUATION, True, False, date(2027, 2, 1), world_a.school.pk),
        (DrillKind.EVACUATION, True, True, date(2027, 1, 31), world_a.school.pk),
    ]


@pytest.mark.parametrize("status", list(Status))
def test_the_matrix_badge_is_the_school_page_badge(status):
    """The matrix draws its badges in Python (views._badge); the school's page includes
    _status_badge.html. Both say the same."""
    template = render_to_string("schools/_status_badge.html", {"status": status})
    assert str(_badge(status)) == template.strip()
