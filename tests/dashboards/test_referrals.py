"""The referrals section: referrals made in the period and loops closed, by partner, checked
against a small dataset computed by hand."""

from datetime import date

import pytest

from officers.models import Referral
from sro_portal.accounts.models import Role
from sro_portal.dashboards.metrics import referrals
from sro_portal.dashboards.scope import scope_for
from tests import factories

pytestmark = pytest.mark.django_db

START, END = date(2025, 9, 1), date(2025, 11, 30)
S = Referral.Status


def _figures(section) -> dict:
    return {figure.label: figure.value for figure in section.figures}


def _refer(student, partner, made_by, made_on, status=S.MADE, closed_on=None):
    return factories.ReferralFactory(
        student=student,
        partner=partner,
        made_by=made_by,
        made_on=made_on,
        consent_on=made_on,
        status=status,
        outcome="Seen by the partner." if closed_on else "",
        closed_on=closed_on,
    )


@pytest.fixture
def book(world_a, world_b):
    """Referrals made in Sep to Nov 2025:

    | # | partner | student at | made by | made on    | status   | loop   |
    | 1 | AHS     | High       | Alex    | 2025-09-05 | closed   | closed |
    | 2 | AHS     | High       | Alex    | 2025-10-05 | engaged  | open   |
    | 3 | AHS     | Composite  | Alex    | 2025-11-30 | declined | closed (on 2025-12-10) |
    | 4 | C3P     | Composite  | Alex    | 2025-09-01 | made     | open   |
    | 5 | C3P     | High       | Blake   | 2025-10-20 | closed   | closed |
    | 6 | AHS     | Composite  | Blake   | 2025-10-21 | accepted | open   |
    and referrals that must not count: the day before and the day after the period, and
    world_b's."""
    agency = world_a.agency
    alex = world_a.sro
    blake = factories.UserFactory(agency=agency, role=Role.SRO, full_name="Blake Boyd")
    ahs = factories.CommunityPartnerFactory(agency=agency, name="Alberta Health Services")
    c3p = factories.CommunityPartnerFactory(
        agency=agency, name="Canadian Centre for Child Protection"
    )
    factories.CommunityPartnerFactory(agency=agency, name="Unused Partner")
    high = factories.StudentFactory(school=world_a.school)
    composite = factories.StudentFactory(school=world_a.other_school)
    _refer(high, ahs, alex, date(2025, 9, 5), S.CLOSED, date(2025, 10, 1))
    _refer(high, ahs, alex, date(2025, 10, 5), S.ENGAGED)
    _refer(composite, ahs, alex, date(2025, 11, 30), S.DECLINED, date(2025, 12, 10))
    _refer(composite, c3p, alex, date(2025, 9, 1))
    _refer(high, c3p, blake, date(2025, 10, 20), S.CLOSED, date(2025, 11, 2))
    _refer(composite, ahs, blake, date(2025, 10, 21), S.ACCEPTED)
    # Outside the period.
    _refer(high, ahs, alex, date(2025, 8, 31), S.CLOSED, date(2025, 9, 3))
    _refer(high, c3p, blake, date(2025, 12, 1))
    # Another agency.
    b_partner = factories.CommunityPartnerFactory(agency=world_b.agency, name="Bravo Partner")
    b_student = factories.StudentFactory(school=world_b.school)
    _refer(b_student, b_partner, world_b.sro, date(2025, 10, 1), S.CLOSED, date(2025, 10, 2))
    _refer(b_student, b_partner, world_b.sro, date(2025, 10, 3))
    return alex, blake


def test_program_referrals_by_hand(world_a, book):
    section = referrals.build(scope_for(world_a.supervisor, start=START, end=END))

    assert section.key == "referrals"
    assert _figures(section) == {
        "Referrals made": 6,
        "Loops closed": 3,  # 1, 3 and 5
        "Closure rate (%)": 50.0,
    }
    assert section.figures[2].detail == "3 of 6"
    assert section.table("by_partner").rows == [
        ["Alberta Health Services", 4, 2, 2, 50.0],
        ["Canadian Centre for Child Protection", 2, 1, 1, 50.0],
    ]
    assert section.table("by_status").rows == [
        ["Made", 1],
        ["Accepted", 1],
        ["Engaged", 1],
        ["Closed", 2],
        ["Declined", 1],
    ]


def test_program_referrals_for_one_school_count_its_students(world_a, book):
    scope = scope_for(world_a.supervisor, start=START, end=END, school=world_a.school)
    section = referrals.build(scope)

    # Students at Alpha High: 1 (closed), 2 (open), 5 (closed).
    assert _figures(section) == {
        "Referrals made": 3,
        "Loops closed": 2,
        "Closure rate (%)": 66.7,
    }
    assert section.table("by_partner").rows == [
        ["Alberta Health Services", 2, 1, 1, 50.0],
        ["Canadian Centre for Child Protection", 1, 1, 0, 100.0],
    ]


def test_an_officer_sees_the_referrals_they_made(world_a, book):
    section = referrals.build(scope_for(world_a.sro, start=START, end=END))

    # Alex made 1 to 4: 1 and 3 closed.
    assert _figures(section) == {
        "Referrals made": 4,
        "Loops closed": 2,
        "Closure rate (%)": 50.0,
    }
    assert section.table("by_partner").rows == [
        ["Alberta Health Services", 3, 2, 1, 66.7],
        ["Canadian Centre for Child Protection", 1, 0, 1, 0.0],
    ]


def test_another_agency_sees_only_its_own_referrals(world_b, book):
    section = referrals.build(scope_for(world_b.supervisor, start=START, end=END))
    assert section.table("by_partner").rows == [["Bravo Partner", 2, 1, 1, 50.0]]


def test_no_referrals_no_rate(world_a):
    section = referrals.build(scope_for(world_a.supervisor, start=START, end=END))
    assert _figures(section) == {
        "Referrals made": 0,
        "Loops closed": 0,
        "Closure rate (%)": None,
    }
    assert section.table("by_partner").rows == []
    assert section.table("by_partner").is_empty


def test_referral_queries_do_not_grow_with_data(world_a, book, django_assert_num_queries):
    program = scope_for(world_a.supervisor, start=START, end=END)
    officer = scope_for(world_a.sro, start=START, end=END)
    with django_assert_num_queries(1):
        referrals.build(program)
    with django_assert_num_queries(1):
        referrals.build(officer)
    for n in range(4):
        partner = factories.CommunityPartnerFactory(agency=world_a.agency)
        school = factories.SchoolFactory(board=world_a.school.board)
        student = factories.StudentFactory(school=school)
        for status in (S.MADE, S.CLOSED):
            _refer(student, partner, world_a.sro, date(2025, 10, 1 + n), status)
    with django_assert_num_queries(1):
        grown = referrals.build(program)
    with django_assert_num_queries(1):
        referrals.build(officer)
    assert _figures(grown)["Referrals made"] == 6 + 8
    assert _figures(grown)["Loops closed"] == 3 + 4
