"""Compliance rules at term and school-year boundaries, with the unannounced rule."""

from datetime import date

import pytest

from schools.compliance import DrillFact, Period, Status, evaluate, school_compliance
from schools.models import DrillKind, DrillRule
from sro_portal.accounts.models import Agency

AGENCY = Agency(name="x", slug="x")  # the Alberta default calendar, not saved
YEAR = AGENCY.school_year_for(date(2026, 10, 1))  # 2026-09-01 .. 2027-06-30; terms split Feb 1
FIRE = DrillRule(kind=DrillKind.EVACUATION, period=DrillRule.Period.TERM, required=3)
LOCKDOWN = DrillRule(
    kind=DrillKind.LOCKDOWN, period=DrillRule.Period.YEAR, required=2, unannounced_required=1
)


def fire(on, *, completed=True):
    return DrillFact(DrillKind.EVACUATION, True, completed, on)


def lockdown(on, *, announced=True, completed=True):
    return DrillFact(DrillKind.LOCKDOWN, announced, completed, on)


def cells(facts, today, rules=(FIRE, LOCKDOWN)):
    return {
        (c.kind, c.unannounced_only): c
        for c in school_compliance(rules=list(rules), facts=facts, year=YEAR, today=today)
    }


def test_the_year_and_its_terms():
    assert (YEAR.start, YEAR.end) == (date(2026, 9, 1), date(2027, 6, 30))
    fall, winter = YEAR.terms
    assert (fall.start, fall.end, winter.start, winter.end) == (
        date(2026, 9, 1),
        date(2027, 1, 31),
        date(2027, 2, 1),
        date(2027, 6, 30),
    )


@pytest.mark.parametrize(
    ("done", "planned", "today", "status"),
    [
        (3, 0, date(2026, 9, 2), Status.COMPLETE),
        (0, 0, date(2026, 9, 2), Status.ON_TRACK),  # nothing due yet
        (0, 0, date(2026, 11, 15), Status.BEHIND),  # past the pace: 1 due by now
        (0, 1, date(2026, 11, 15), Status.ON_TRACK),  # planned counts toward the pace
        (2, 0, date(2027, 1, 9), Status.ON_TRACK),  # 22 days left
        (2, 0, date(2027, 1, 10), Status.AT_RISK),  # three weeks left, one short
        (2, 1, date(2027, 1, 20), Status.ON_TRACK),  # the missing one is planned
        (2, 0, date(2027, 2, 1), Status.BEHIND),  # the term is over
        (2, 0, date(2027, 1, 31), Status.AT_RISK),  # its last day still counts
    ],
)
def test_evaluate_one_term(done, planned, today, status):
    fall = Period("Fall", date(2026, 9, 1), date(2027, 1, 31))
    assert evaluate(required=3, done=done, planned=planned, period=fall, today=today) == status


def test_a_drill_on_the_last_day_of_a_term_counts_for_that_term():
    facts = [fire(date(2026, 9, 15)), fire(date(2026, 10, 15)), fire(date(2027, 1, 31))]
    fall, winter = cells(facts, date(2027, 2, 1))[(DrillKind.EVACUATION, False)].requirements
    assert (fall.done, fall.status) == (3, Status.COMPLETE)
    assert (winter.done, winter.status) == (0, Status.ON_TRACK)


def test_a_drill_on_the_first_day_of_the_next_term_does_not_save_the_last():
    facts = [fire(date(2026, 9, 15)), fire(date(2026, 10, 15)), fire(date(2027, 2, 1))]
    cell = cells(facts, date(2027, 2, 2))[(DrillKind.EVACUATION, False)]
    fall, winter = cell.requirements
    assert (fall.done, fall.status) == (2, Status.BEHIND)
    assert winter.done == 1
    assert cell.status == Status.BEHIND  # a missed term stays on the year's record


def test_later_terms_do_not_count_before_they_begin():
    cell = cells([], date(2026, 10, 1))[(DrillKind.EVACUATION, False)]
    assert [r.period.label for r in cell.requirements] == [YEAR.terms[0].name]


def test_drills_of_another_school_year_do_not_count():
    facts = [lockdown(date(2026, 8, 31)), lockdown(date(2027, 7, 1))]
    cell = cells(facts, date(2026, 9, 10))[(DrillKind.LOCKDOWN, False)]
    assert cell.current.done == 0


def test_unannounced_lockdown_rule_needs_an_unannounced_one():
    facts = [lockdown(date(2026, 10, 1)), lockdown(date(2027, 3, 1))]
    assert cells(facts, date(2027, 6, 8))[(DrillKind.LOCKDOWN, True)].status == Status.ON_TRACK
    found = cells(facts, date(2027, 6, 9))  # three weeks before the year ends
    assert found[(DrillKind.LOCKDOWN, False)].status == Status.COMPLETE
    assert found[(DrillKind.LOCKDOWN, True)].status == Status.AT_RISK
    facts.append(lockdown(date(2027, 6, 2), announced=False))
    found = cells(facts, date(2027, 6, 3))
    assert found[(DrillKind.LOCKDOWN, True)].status == Status.COMPLETE


def test_year_end_boundary_for_the_unannounced_rule():
    facts = [lockdown(date(2027, 6, 30), announced=False), lockdown(date(2027, 6, 29))]
    assert cells(facts, date(2027, 6, 30))[(DrillKind.LOCKDOWN, True)].status == Status.COMPLETE
    late = [lockdown(date(2027, 7, 1), announced=False)]
    assert cells(late, date(2027, 7, 2))[(DrillKind.LOCKDOWN, True)].status == Status.BEHIND


def test_scheduled_drills_before_today_are_not_planned():
    # A drill planned last week and never recorded neither counts as done nor as planned.
    facts = [fire(date(2027, 1, 3), completed=False)]
    requirement = cells(facts, date(2027, 1, 12))[(DrillKind.EVACUATION, False)].current
    assert (requirement.done, requirement.planned) == (0, 0)


def test_kinds_without_a_rule_have_no_cell():
    found = cells(
        [DrillFact(DrillKind.SHELTER_IN_PLACE, True, True, date(2026, 10, 1))], date(2026, 10, 2)
    )
    assert DrillKind.SHELTER_IN_PLACE not in {kind for kind, _ in found}
