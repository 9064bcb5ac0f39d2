"""The drills section against a hand-computed school year.

Today is 2026-01-20 (Edmonton): the fall term (2025-09-01..2026-01-31, 153 days, 141 gone by)
ends in 11 days, inside the three-week at-risk window. Board rules: fire drills 3 per term;
lockdowns 2 per school year, one unannounced. A second board asks for one lockdown a year.

- Alpha High: fires Sep 10, Oct 15, Nov 20; lockdowns Oct 1 (announced) and Jan 12
  (unannounced); a cancelled fire drill. Everything complete.
- Alpha Composite: fires Sep 15 and Nov 5 (unannounced), a fire planned Feb 10 (next term);
  a lockdown Oct 20 (completed, no start recorded) and an unannounced lockdown planned Mar 10.
  Fire: pace floor(3 x 141 / 153) = 2, done 2, 3 needed within 11 days: at risk. Lockdowns:
  pace floor(2 x 141 / 303) = 0 and the planned one counts: on track.
- Alpha Catholic: nothing. Fire: 0 against a pace of 2: behind. Lockdowns: on track.
- Alpha Junior (second board): a lockdown planned Apr 15: on track; a shelter-in-place done
  Dec 31 23:30 local and a hold-and-secure Jan 1 00:30 local (no rule for either).
- Alpha Closed (inactive): a fire drill Oct 5. Not in the matrix, but a drill done.
- Bravo (another agency): drills and rules that never count.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from schools.models import Drill, DrillKind, DrillRule
from sro_portal.dashboards.metrics import drills
from sro_portal.dashboards.scope import Audience, Scope, scope_for
from tests import factories

pytestmark = pytest.mark.django_db

EDMONTON = ZoneInfo("America/Edmonton")
TODAY = datetime(2026, 1, 20, 12, 0, tzinfo=EDMONTON)
FALL = (date(2025, 9, 1), date(2025, 12, 31))  # the dashboard's period
LOCKDOWN, FIRE = DrillKind.LOCKDOWN, DrillKind.EVACUATION


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def at(year, month, day, hour=10, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=EDMONTON)


def done(school, kind, moment, *, announced=True, started=True):
    return factories.DrillFactory(
        school=school,
        kind=kind,
        status=Drill.Status.COMPLETED,
        planned_at=moment,
        started_at=moment if started else None,
        announced=announced,
    )


def planned(school, kind, moment, *, announced=True):
    return factories.DrillFactory(school=school, kind=kind, planned_at=moment, announced=announced)


def default_rules(board):
    DrillRule.objects.create(
        agency=board.agency, board=board, kind=FIRE, period=DrillRule.Period.TERM, required=3
    )
    DrillRule.objects.create(
        agency=board.agency,
        board=board,
        kind=LOCKDOWN,
        period=DrillRule.Period.YEAR,
        required=2,
        unannounced_required=1,
    )


@pytest.fixture
def year(world_a, world_b):
    high, composite = world_a.school, world_a.other_school
    board = high.board
    default_rules(board)
    factories.SchoolFactory(board=board, name="Alpha Catholic")
    closed = factories.SchoolFactory(board=board, name="Alpha Closed", is_active=False)
    other_board = factories.SchoolBoardFactory(agency=world_a.agency)
    DrillRule.objects.create(
        agency=world_a.agency,
        board=other_board,
        kind=LOCKDOWN,
        period=DrillRule.Period.YEAR,
        required=1,
    )
    junior = factories.SchoolFactory(board=other_board, name="Alpha Junior")

    for day in ((9, 10), (10, 15), (11, 20)):
        done(high, FIRE, at(2025, *day))
    done(high, LOCKDOWN, at(2025, 10, 1))
    done(high, LOCKDOWN, at(2026, 1, 12), announced=False)
    factories.DrillFactory(
        school=high, kind=FIRE, status=Drill.Status.CANCELLED, planned_at=at(2025, 12, 1)
    )

    done(composite, FIRE, at(2025, 9, 15))
    done(composite, FIRE, at(2025, 11, 5), announced=False)
    planned(composite, FIRE, at(2026, 2, 10))
    done(composite, LOCKDOWN, at(2025, 10, 20), started=False)
    planned(composite, LOCKDOWN, at(2026, 3, 10), announced=False)

    planned(junior, LOCKDOWN, at(2026, 4, 15))
    done(junior, DrillKind.SHELTER_IN_PLACE, at(2025, 12, 31, 23, 30))
    done(junior, DrillKind.HOLD_AND_SECURE, at(2026, 1, 1, 0, 30))

    done(closed, FIRE, at(2025, 10, 5))

    default_rules(world_b.school.board)
    done(world_b.school, LOCKDOWN, at(2025, 10, 1))
    done(world_b.school, FIRE, at(2025, 10, 1), announced=False)
    done(world_b.other_school, FIRE, at(2025, 11, 1))
    return world_a


def program_scope(world, start=FALL[0], end=FALL[1]):
    return Scope(
        agency_id=world.agency.pk,
        audience=Audience.PROGRAM,
        start=start,
        end=end,
        tz_name=world.agency.time_zone,
    )


def figures(section):
    return {figure.label: figure.value for figure in section.figures}


def test_matrix_for_the_whole_agency(year):
    section = drills.build(program_scope(year))
    matrix = section.table("matrix")
    assert matrix.title == "Drill compliance, school year 2025-2026"
    assert matrix.columns == [
        "School",
        "Lockdown",
        "Lockdown (unannounced)",
        "Evacuation / fire",
        "Overall",
    ]
    assert matrix.rows == [
        ["Alpha Catholic", "0 / 2 · On track", "0 / 1 · On track", "0 / 3 · Behind", "Behind"],
        ["Alpha Composite", "1 / 2 · On track", "0 / 1 · On track", "2 / 3 · At risk", "At risk"],
        ["Alpha High", "2 / 2 · Complete", "1 / 1 · Complete", "3 / 3 · Complete", "Complete"],
        ["Alpha Junior", "0 / 1 · On track", "—", "—", "On track"],
    ]
    assert matrix.chart == "none"


def test_figures_count_schools_by_their_worst_status(year):
    section = drills.build(program_scope(year))
    assert figures(section) == {
        "Schools complete": 1,
        "Schools on track": 1,
        "Schools at risk": 1,
        "Schools behind": 1,
    }


def test_at_risk_list_says_what_is_missing(year):
    at_risk = drills.build(program_scope(year)).table("at_risk")
    assert at_risk.columns == [
        "School",
        "Drill",
        "Period",
        "Done",
        "Required",
        "Missing",
        "Planned",
        "Status",
    ]
    assert at_risk.rows == [
        ["Alpha Catholic", "Evacuation / fire", "Fall term", 0, 3, 3, 0, "Behind"],
        ["Alpha Composite", "Evacuation / fire", "Fall term", 2, 3, 1, 0, "At risk"],
    ]


def test_drills_done_in_the_period_by_kind(year):
    by_kind = drills.build(program_scope(year)).table("by_kind")
    # Lockdown: High Oct 1, Composite Oct 20 (no start: its planned day counts); High's Jan 12
    # is after the period. Fire: High 3, Composite 2 (one unannounced), the inactive school 1;
    # the cancelled one and those planned do not count. Shelter: Dec 31 23:30 local is in the
    # period (Jan 1 in UTC); the hold-and-secure of Jan 1 00:30 local is not.
    assert by_kind.rows == [
        ["Lockdown", 2, 0],
        ["Hold and secure", 0, 0],
        ["Shelter in place", 1, 0],
        ["Evacuation / fire", 6, 1],
        ["Total", 9, 1],
    ]
    assert by_kind.total_label == "Total"


def test_compliance_uses_the_school_year_of_the_period_end(year):
    # A period of the previous school year: no drill then, every term over, all behind.
    section = drills.build(program_scope(year, date(2024, 9, 1), date(2025, 6, 30)))
    assert section.table("matrix").title == "Drill compliance, school year 2024-2025"
    assert section.table("matrix").rows[0] == [
        "Alpha Catholic",
        "0 / 2 · Behind",
        "0 / 1 · Behind",
        "0 / 3 · Behind",
        "Behind",
    ]
    assert figures(section)["Schools behind"] == 4
    assert section.table("by_kind").rows[-1] == ["Total", 0, 0]


def test_one_school_for_its_school_admin(year):
    scope = scope_for(year.school_admin, start=FALL[0], end=FALL[1])
    assert scope.school_ids == (year.school.pk,)
    section = drills.build(scope)
    assert section.table("matrix").rows == [
        ["Alpha High", "2 / 2 · Complete", "1 / 1 · Complete", "3 / 3 · Complete", "Complete"]
    ]
    assert figures(section) == {
        "Schools complete": 1,
        "Schools on track": 0,
        "Schools at risk": 0,
        "Schools behind": 0,
    }
    assert section.table("at_risk").rows == []
    assert section.table("by_kind").rows == [
        ["Lockdown", 1, 0],
        ["Hold and secure", 0, 0],
        ["Shelter in place", 0, 0],
        ["Evacuation / fire", 3, 0],
        ["Total", 4, 0],
    ]


def test_another_agency_sees_only_its_own(year, world_b):
    section = drills.build(program_scope(world_b))
    assert [row[0] for row in section.table("matrix").rows] == ["Bravo Composite", "Bravo High"]
    assert section.table("by_kind").rows[-1] == ["Total", 3, 1]


def test_query_count_does_not_grow_with_the_data(year):
    scope = program_scope(year)
    with CaptureQueriesContext(connection) as before:
        drills.build(scope)
    assert len(before) == 5

    board = year.school.board
    for n in range(4):
        school = factories.SchoolFactory(board=board, name=f"Alpha Annex {n}")
        for month in (9, 10, 11):
            done(school, FIRE, at(2025, month, 3 + n))
        done(school, LOCKDOWN, at(2025, 10, 9), announced=False)
        planned(school, LOCKDOWN, at(2026, 5, 1))
    extra_board = factories.SchoolBoardFactory(agency=year.agency)
    default_rules(extra_board)
    done(factories.SchoolFactory(board=extra_board), DrillKind.HOLD_AND_SECURE, at(2025, 10, 2))

    with CaptureQueriesContext(connection) as after:
        section = drills.build(scope)
    assert len(after) == len(before)
    assert len(section.table("matrix").rows) == 9
