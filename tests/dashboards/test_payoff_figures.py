"""The PAYOFF section against a hand-computed school year (2024-09-01..2025-06-30).

Agreements of Alpha (start date, status; closed date):
- Alpha High: A1 2024-10-01 completed (closed 2025-01-15); A2 2024-11-01 completed (closed
  2025-02-01); A3 2025-01-10 not completed (closed 2025-03-01); A4 2025-03-01 active; A5
  2025-06-30 draft; A6 2024-08-31 completed (closed 2024-10-15: started before the period,
  completed in it); A7 2023-09-10 completed (closed 2024-06-01: all before the period).
- Alpha Composite: B1 2024-09-01 withdrawn; B2 2025-02-01 completed (closed 2025-05-01); B3
  2025-07-01 not completed (after the period).
- Tombstones: 2024-2025 completed x2 and not completed x1; 2023-2024 completed x1.
Work sessions: A1 2.50 + 1.50; A3 1.00; A6 2.00 on 2024-09-01 and 3.00 on 2024-08-31 (out);
B2 1.25 on 2025-06-30 and 0.75 on 2025-07-01 (out).
Check-ins (re-offended?): A1 6m no, 12m yes; A2 6m yes, 12m not answered; A6 6m no, 12m no;
B2 6m no; A7 6m yes (completed before the period).
Bravo (another agency) has an agreement, sessions, check-ins and a tombstone of the same year.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payoff.models import Agreement, Basis, CheckIn, PurgedAgreement
from sro_portal.dashboards.metrics import payoff
from sro_portal.dashboards.scope import Audience, Scope, scope_for
from tests import factories
from tests.factories import payoff_agreement as agreement
from tests.factories import payoff_check_in as check_in
from tests.factories import work_session as session

pytestmark = pytest.mark.django_db

YEAR = (date(2024, 9, 1), date(2025, 6, 30))
S = Agreement.Status


def tombstone(agency, status, school_year):
    return PurgedAgreement.objects.create(
        agency=agency,
        basis=Basis.SANCTION,
        final_status=status,
        school_year=school_year,
        purged_on=date(2027, 1, 1),
    )


@pytest.fixture
def year(world_a, world_b):
    high, composite = world_a.school, world_a.other_school
    a1 = agreement(high, date(2024, 10, 1), S.COMPLETED, date(2025, 1, 15))
    a2 = agreement(high, date(2024, 11, 1), S.COMPLETED, date(2025, 2, 1))
    a3 = agreement(high, date(2025, 1, 10), S.NOT_COMPLETED, date(2025, 3, 1))
    agreement(high, date(2025, 3, 1), S.ACTIVE)
    agreement(high, date(2025, 6, 30), S.DRAFT)
    a6 = agreement(high, date(2024, 8, 31), S.COMPLETED, date(2024, 10, 15))
    a7 = agreement(high, date(2023, 9, 10), S.COMPLETED, date(2024, 6, 1))
    agreement(composite, date(2024, 9, 1), S.WITHDRAWN, date(2024, 9, 20))
    b2 = agreement(composite, date(2025, 2, 1), S.COMPLETED, date(2025, 5, 1))
    agreement(composite, date(2025, 7, 1), S.NOT_COMPLETED, date(2025, 8, 1))

    session(a1, date(2024, 10, 5), "2.50")
    session(a1, date(2024, 10, 12), "1.50")
    session(a3, date(2025, 1, 20), "1.00")
    session(a6, date(2024, 9, 1), "2.00")
    session(a6, date(2024, 8, 31), "3.00")
    session(b2, date(2025, 6, 30), "1.25")
    session(b2, date(2025, 7, 1), "0.75")

    check_in(a1, 6, False)
    check_in(a1, 12, True)
    check_in(a2, 6, True)
    check_in(a2, 12, None)
    check_in(a6, 6, False)
    check_in(a6, 12, False)
    check_in(b2, 6, False)
    check_in(a7, 6, True)

    for status in (S.COMPLETED, S.COMPLETED, S.NOT_COMPLETED):
        tombstone(world_a.agency, status, "2024-2025")
    tombstone(world_a.agency, S.COMPLETED, "2023-2024")

    bravo = agreement(world_b.school, date(2024, 10, 1), S.COMPLETED, date(2025, 1, 15))
    session(bravo, date(2024, 10, 5), "5.00")
    check_in(bravo, 6, True)
    check_in(bravo, 12, True)
    tombstone(world_b.agency, S.NOT_COMPLETED, "2024-2025")
    return world_a


def program_scope(world, start=YEAR[0], end=YEAR[1], school_ids=None):
    return Scope(
        agency_id=world.agency.pk,
        audience=Audience.PROGRAM,
        start=start,
        end=end,
        school_ids=school_ids,
        tz_name=world.agency.time_zone,
    )


def figures(section):
    return {figure.label: (figure.value, figure.detail) for figure in section.figures}


def test_agreements_by_status_with_the_tombstones_of_the_year(year):
    table = payoff.build(program_scope(year)).table("by_status")
    assert table.columns == ["Status", "Agreements", "Of which purged"]
    assert table.rows == [
        ["Draft", 1, 0],  # A5, on the last day
        ["Active", 1, 0],  # A4
        ["Completed", 5, 2],  # A1, A2, B2 and two tombstones (not A6: it started before)
        ["Not completed", 2, 1],  # A3 and a tombstone (not B3: it starts after)
        ["Withdrawn", 1, 0],  # B1, on the first day
        ["Total", 10, 3],
    ]
    assert "start date" in table.description
    assert "Purged agreements keep only their school year" in table.description


def test_figures_for_the_whole_agency(year):
    assert figures(payoff.build(program_scope(year))) == {
        "Agreements": (10, ""),
        "Completion rate (%)": (71.4, "5 of 7 closed"),  # 5 / (5 + 2)
        # 2.50 + 1.50 + 1.00 + 2.00 (A6, Sep 1) + 1.25 (B2, Jun 30)
        "Hours worked": (Decimal("8.25"), ""),
        # A1 no, A2 yes, A6 no, B2 no (A7 closed before the period)
        "Re-offence at 6 months (%)": (25.0, "1 of 4 confirmed check-ins"),
        # A1 yes, A6 no (A2's is not answered)
        "Re-offence at 12 months (%)": (50.0, "1 of 2 confirmed check-ins"),
    }


def test_reoffence_table(year):
    table = payoff.build(program_scope(year)).table("reoffence")
    assert table.rows == [
        ["6 months after completion", 4, 1, 25.0],
        ["12 months after completion", 2, 1, 50.0],
    ]


def test_by_school(year):
    table = payoff.build(program_scope(year)).table("by_school")
    assert table.rows == [
        # B1, B2; B2 completed; 1.25 h; B2's 6-month check-in, no 12-month one.
        ["Alpha Composite", 2, 1, 0, 100.0, Decimal("1.25"), 1, 0.0, 0, None],
        # A1..A5; 2 completed, 1 not (2 / 3); 4.00 + 1.00 + 2.00 h; 6 months A1, A2, A6 (one
        # re-offended); 12 months A1, A6 (one re-offended).
        ["Alpha High", 5, 2, 1, 66.7, Decimal("7.00"), 3, 33.3, 2, 50.0],
        ["Purged agreements (school not kept)", 3, 2, 1, 66.7, None, None, None, None, None],
    ]


def test_one_school_leaves_the_tombstones_out(year):
    scope = scope_for(year.supervisor, start=YEAR[0], end=YEAR[1], school=year.school)
    assert scope.school_ids == (year.school.pk,)
    section = payoff.build(scope)
    assert section.table("by_status").rows == [
        ["Draft", 1, 0],
        ["Active", 1, 0],
        ["Completed", 2, 0],
        ["Not completed", 1, 0],
        ["Withdrawn", 0, 0],
        ["Total", 5, 0],
    ]
    assert figures(section) == {
        "Agreements": (5, ""),
        "Completion rate (%)": (66.7, "2 of 3 closed"),
        "Hours worked": (Decimal("7.00"), ""),
        "Re-offence at 6 months (%)": (33.3, "1 of 3 confirmed check-ins"),
        "Re-offence at 12 months (%)": (50.0, "1 of 2 confirmed check-ins"),
    }
    assert [row[0] for row in section.table("by_school").rows] == ["Alpha High"]


def test_part_of_a_school_year_leaves_the_tombstones_out(year):
    section = payoff.build(program_scope(year, date(2024, 9, 1), date(2024, 12, 31)))
    # A1, A2 (completed), B1 (withdrawn); A6 started Aug 31.
    assert section.table("by_status").rows == [
        ["Draft", 0, 0],
        ["Active", 0, 0],
        ["Completed", 2, 0],
        ["Not completed", 0, 0],
        ["Withdrawn", 1, 0],
        ["Total", 3, 0],
    ]
    # Completed in the period: A6 (Oct 15) only: 6 months no, 12 months no.
    assert section.table("reoffence").rows == [
        ["6 months after completion", 1, 0, 0.0],
        ["12 months after completion", 1, 0, 0.0],
    ]
    # A1 2.50 + 1.50, A6 2.00 (Sep 1).
    assert figures(section)["Hours worked"] == (Decimal("6.00"), "")


def test_two_school_years_count_the_tombstones_of_both(year):
    section = payoff.build(program_scope(year, date(2023, 9, 1), date(2025, 6, 30)))
    rows = {row[0]: row for row in section.table("by_status").rows}
    # Live: A1, A2, A6, A7, B2 completed; A3 not completed.
    assert rows["Completed"] == ["Completed", 8, 3]
    assert rows["Not completed"] == ["Not completed", 2, 1]
    assert rows["Total"] == ["Total", 13, 4]


def test_another_agency_sees_only_its_own(year, world_b):
    section = payoff.build(program_scope(world_b))
    assert figures(section) == {
        "Agreements": (2, ""),  # its agreement and its tombstone
        "Completion rate (%)": (50.0, "1 of 2 closed"),
        "Hours worked": (Decimal("5.00"), ""),
        "Re-offence at 6 months (%)": (100.0, "1 of 1 confirmed check-in"),
        "Re-offence at 12 months (%)": (100.0, "1 of 1 confirmed check-in"),
    }


def test_nothing_in_the_period(world_a):
    section = payoff.build(program_scope(world_a))
    assert figures(section) == {
        "Agreements": (0, ""),
        "Completion rate (%)": (None, "0 of 0 closed"),
        "Hours worked": (Decimal(0), ""),
        "Re-offence at 6 months (%)": (None, "0 of 0 confirmed check-ins"),
        "Re-offence at 12 months (%)": (None, "0 of 0 confirmed check-ins"),
    }
    assert section.table("by_school").rows == []


# The whole agency's first view computes and keeps the months of its three kept sources
# (agreements, hours, check-ins: versions, kept rows, the pass (two for hours), the write); a
# school reads rows.
@pytest.mark.postgres  # where the kept figures are
@pytest.mark.parametrize(("school", "queries"), [(False, 16), (True, 5)])
def test_query_count_does_not_grow_with_the_data(year, school, queries):
    scope = program_scope(year, school_ids=(year.school.pk,) if school else None)
    with CaptureQueriesContext(connection) as before:
        payoff.build(scope)
    assert len(before) == queries
    if not school:  # the next view reads the kept months: versions and kept rows per source
        with CaptureQueriesContext(connection) as kept:
            payoff.build(scope)
        assert len(kept) == 9

    for n in range(3):
        other = factories.SchoolFactory(board=year.school.board, name=f"Alpha Annex {n}")
        for school_ in (year.school, other):
            done = agreement(school_, date(2024, 10, 1 + n), S.COMPLETED, date(2025, 1, 1 + n))
            session(done, date(2024, 10, 2 + n), "1.00")
            check_in(done, 6, n % 2 == 0)
            check_in(done, 12, False)
        tombstone(year.agency, S.WITHDRAWN, "2024-2025")

    with CaptureQueriesContext(connection) as after:
        section = payoff.build(scope)
    assert len(after) == len(before)
    assert section.table("by_status").rows[2][1] == (5 if school else 11)
    assert CheckIn.objects.filter(agency=year.agency).count() == 20
