"""The presentations section: talks delivered and students reached by topic and by grade band,
and the feedback scores, checked against a small dataset computed by hand."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from presentations.models import Presentation, Presenter
from sro_portal.accounts.models import Role
from sro_portal.dashboards.metrics import presentations
from sro_portal.dashboards.scope import scope_for
from tests import factories

pytestmark = pytest.mark.django_db

START, END = date(2025, 9, 1), date(2025, 11, 30)
EDMONTON = ZoneInfo("America/Edmonton")
P = Presentation.Status


def _figures(section) -> dict:
    return {figure.label: figure.value for figure in section.figures}


def _talk(school, topic, when, grades, students, presenters, status=P.DELIVERED, answer=None):
    """A talk at `when` (a naive local time, Edmonton), with its presenters and, when delivered,
    its feedback row (answered with `answer` = (usefulness, fit), or still open)."""
    talk = factories.PresentationFactory(
        school=school,
        topic=topic,
        status=status,
        scheduled_at=when.replace(tzinfo=EDMONTON),
        grade_from=grades[0],
        grade_to=grades[1],
        students_reached=students if status == P.DELIVERED else None,
    )
    for user in presenters:
        Presenter.objects.create(agency=talk.agency, presentation=talk, user=user)
    if status == P.DELIVERED:
        usefulness, fit = answer or (None, None)
        factories.FeedbackFactory(
            presentation=talk,
            answered_at=when.replace(tzinfo=EDMONTON) if answer else None,
            usefulness=usefulness,
            fit=fit,
        )
    return talk


@pytest.fixture
def talks(world_a, world_b):
    """Talks delivered in Sep to Nov 2025 (Edmonton time):

    | # | topic         | school    | when             | grades | pupils | presenters  | feedback |
    | 1 | Vaping        | High      | 2025-09-10 10:00 | 7-9    |  60 | Alex         | 4, 5 |
    | 2 | Vaping        | Composite | 2025-10-02 10:00 | 8      |  30 | Blake        | 5, 3 |
    | 3 | Online safety | High      | 2025-11-30 23:30 | 7-9    |  25 | Alex, Blake  | open |
    | 4 | Online safety | Composite | 2025-10-15 09:00 | 10-12  | 100 | Alex         | 2, 4 |
    Talk 3 is on 1 December in UTC and counts (the agency's calendar); talks that must not
    count: 2025-08-31 23:30 (1 September in UTC) and 2025-12-01 00:30, a scheduled and a
    cancelled talk in the period, world_b's talk."""
    agency = world_a.agency
    alex = world_a.sro
    blake = factories.UserFactory(agency=agency, role=Role.SRO, full_name="Blake Boyd")
    vaping = factories.TopicFactory(agency=agency, title="Vaping")
    online = factories.TopicFactory(agency=agency, title="Online safety")
    factories.TopicFactory(agency=agency, title="Never given")
    high, composite = world_a.school, world_a.other_school
    _talk(high, vaping, datetime(2025, 9, 10, 10), (7, 9), 60, [alex], answer=(4, 5))
    _talk(composite, vaping, datetime(2025, 10, 2, 10), (8, 8), 30, [blake], answer=(5, 3))
    _talk(high, online, datetime(2025, 11, 30, 23, 30), (7, 9), 25, [alex, blake])
    _talk(composite, online, datetime(2025, 10, 15, 9), (10, 12), 100, [alex], answer=(2, 4))
    # Outside the period on the agency's clock.
    _talk(high, vaping, datetime(2025, 8, 31, 23, 30), (7, 9), 40, [alex], answer=(1, 1))
    _talk(high, online, datetime(2025, 12, 1, 0, 30), (7, 9), 40, [alex], answer=(1, 1))
    # Not delivered.
    _talk(high, vaping, datetime(2025, 10, 20, 10), (7, 9), 0, [alex], status=P.SCHEDULED)
    _talk(composite, vaping, datetime(2025, 10, 21, 10), (7, 9), 0, [alex], status=P.CANCELLED)
    # Another agency.
    b_topic = factories.TopicFactory(agency=world_b.agency, title="Vaping")
    _talk(
        world_b.school,
        b_topic,
        datetime(2025, 10, 1, 10),
        (10, 10),
        500,
        [world_b.sro],
        answer=(5, 5),
    )
    return alex, blake


def test_program_presentations_by_hand(world_a, talks):
    section = presentations.build(scope_for(world_a.supervisor, start=START, end=END))

    assert section.key == "presentations"
    # 60 + 30 + 25 + 100 students; usefulness (4 + 5 + 2) / 3 = 3.67.
    assert _figures(section) == {
        "Sessions delivered": 4,
        "Students reached": 215,
        "Average usefulness (1 to 5)": 3.7,
    }
    assert section.figures[2].detail == "3 feedback answers"
    assert section.table("by_topic").rows == [
        ["Online safety", 2, 125],
        ["Vaping", 2, 90],
    ]
    assert section.table("by_grade").rows == [
        ["Grade 7 to Grade 9", 2, 85],
        ["Grade 8", 1, 30],
        ["Grade 10 to Grade 12", 1, 100],
    ]
    assert section.table("feedback").rows == [
        ["Vaping", 2, 4.5, 4.0],
        ["Online safety", 1, 2.0, 4.0],
    ]


def test_school_admin_sees_the_talks_at_their_school(world_a, talks):
    section = presentations.build(scope_for(world_a.school_admin, start=START, end=END))

    # Alpha High: talks 1 and 3; only 1 was answered.
    assert _figures(section) == {
        "Sessions delivered": 2,
        "Students reached": 85,
        "Average usefulness (1 to 5)": 4.0,
    }
    assert section.table("by_topic").rows == [["Vaping", 1, 60], ["Online safety", 1, 25]]
    assert section.table("by_grade").rows == [["Grade 7 to Grade 9", 2, 85]]
    assert section.table("feedback").rows == [
        ["Vaping", 1, 4.0, 5.0],
        ["Online safety", 0, None, None],
    ]


def test_an_officer_sees_the_talks_they_presented(world_a, talks):
    section = presentations.build(scope_for(world_a.sro, start=START, end=END))

    # Alex presented 1, 3 (with Blake) and 4: answered 1 (4, 5) and 4 (2, 4).
    assert _figures(section) == {
        "Sessions delivered": 3,
        "Students reached": 185,
        "Average usefulness (1 to 5)": 3.0,
    }
    assert section.table("by_topic").rows == [["Online safety", 2, 125], ["Vaping", 1, 60]]
    assert section.table("by_grade").rows == [
        ["Grade 7 to Grade 9", 2, 85],
        ["Grade 10 to Grade 12", 1, 100],
    ]
    assert section.table("feedback").rows == [
        ["Online safety", 1, 2.0, 4.0],
        ["Vaping", 1, 4.0, 5.0],
    ]


def test_a_talk_with_two_presenters_counts_once(world_a, talks):
    scope = scope_for(world_a.supervisor, start=END, end=END, school=world_a.school)
    section = presentations.build(scope)
    # Talk 3 only (Alex and Blake presented it).
    assert section.table("by_topic").rows == [["Online safety", 1, 25]]


def test_another_agency_sees_only_its_own_talks(world_b, talks):
    section = presentations.build(scope_for(world_b.supervisor, start=START, end=END))
    assert _figures(section) == {
        "Sessions delivered": 1,
        "Students reached": 500,
        "Average usefulness (1 to 5)": 5.0,
    }
    assert section.figures[2].detail == "1 feedback answer"


def test_no_talks_no_average(world_a):
    section = presentations.build(scope_for(world_a.supervisor, start=START, end=END))
    assert _figures(section) == {
        "Sessions delivered": 0,
        "Students reached": 0,
        "Average usefulness (1 to 5)": None,
    }
    assert all(table.rows == [] for table in section.tables)


def test_presentation_queries_do_not_grow_with_data(world_a, talks, django_assert_num_queries):
    program = scope_for(world_a.supervisor, start=START, end=END)
    officer = scope_for(world_a.sro, start=START, end=END)
    nothing = scope_for(world_a.supervisor, start=date(2001, 9, 1), end=date(2001, 11, 30))
    with django_assert_num_queries(3):  # a period without talks: the same queries
        presentations.build(nothing)
    with django_assert_num_queries(3):
        presentations.build(program)
    with django_assert_num_queries(3):
        presentations.build(officer)
    for n in range(4):
        topic = factories.TopicFactory(agency=world_a.agency)
        school = factories.SchoolFactory(board=world_a.school.board)
        for grades in ((n, n), (n, n + 3)):
            _talk(
                school,
                topic,
                datetime(2025, 10, 1 + n, 10),
                grades,
                20,
                [world_a.sro],
                answer=(3, 3),
            )
    with django_assert_num_queries(3):
        grown = presentations.build(program)
    with django_assert_num_queries(3):
        presentations.build(officer)
    assert _figures(grown)["Sessions delivered"] == 4 + 8
    assert _figures(grown)["Students reached"] == 215 + 160
