"""Students through the real pages: police roles of the student's school only, every view
audited, dates of birth checked on the agency's calendar."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from officers.models import CommunityPartner, Referral, Student
from sro_portal.accounts.models import Role
from sro_portal.audit.models import AccessEvent
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

POLICE = [Role.ADMIN, Role.SUPERVISOR, Role.SRO]
# 11:00 on March 10, 2026 in Edmonton.
MORNING = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)


def make_student(school, **fields) -> Student:
    """A student of `school` (and of its agency)."""
    values = {
        "first_name": "Avery",
        "last_name": "Lindqvist",
        "date_of_birth": date(school.agency.today().year - 15, 1, 1),
    }
    return Student.objects.create(agency=school.agency, school=school, **(values | fields))


def _student_form(school, **extra):
    return {
        "school": school.pk,
        "first_name": "Marisol",
        "last_name": "Okonkwo-Valdez",
        "date_of_birth": date(school.agency.today().year - 15, 1, 1).isoformat(),
        "grade": 10,
        "student_number": "",
        **extra,
    }


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


# --- Who sees which students --------------------------------------------------------------------


@pytest.mark.parametrize("role", POLICE)
def test_police_roles_see_only_the_students_of_their_schools(client, world_a, world_b, role):
    mine = make_student(world_a.school, first_name="Alma", last_name="Ashford")
    other = make_student(world_a.other_school, first_name="Boris", last_name="Birchwood")
    foreign = make_student(world_b.school, first_name="Cora", last_name="Cedarholm")
    signed_in(client, world_a.users[role])

    page = client.get(reverse("officers:student_list")).text

    assert "Ashford" in page
    assert "Cedarholm" not in page
    sees_other_school = role != Role.SRO  # the SRO is assigned to world_a.school only
    assert ("Birchwood" in page) is sees_other_school
    detail = client.get(reverse("officers:student_detail", args=[other.pk]))
    assert detail.status_code == (200 if sees_other_school else 404)
    assert client.get(reverse("officers:student_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("officers:student_detail", args=[foreign.pk])).status_code == 404


def test_school_admin_gets_403_on_lists_and_404_on_ids(client, world_a):
    student = make_student(world_a.school)  # the school admin's own school
    signed_in(client, world_a.school_admin)

    assert client.get(reverse("officers:student_list")).status_code == 403
    assert client.get(reverse("officers:student_create")).status_code == 403
    response = client.post(reverse("officers:student_create"), _student_form(world_a.school))
    assert response.status_code == 403
    assert client.get(reverse("officers:student_detail", args=[student.pk])).status_code == 404
    edit = reverse("officers:student_edit", args=[student.pk])
    assert client.get(edit).status_code == 404
    forged = _student_form(world_a.school, first_name="Changed")
    assert client.post(edit, forged).status_code == 404
    assert Student.objects.get(pk=student.pk).first_name == "Avery"
    assert Student.objects.count() == 1
    assert not AccessEvent.objects.exists()


def test_search_by_name_and_filter_by_school(client, world_a):
    make_student(world_a.school, first_name="Alma", last_name="Ashford")
    make_student(world_a.school, first_name="Dmitri", last_name="Dunmore", student_number="X77")
    make_student(world_a.other_school, first_name="Alma", last_name="Birchwood")
    signed_in(client, world_a.supervisor)

    page = _search(client, "alma")
    assert "Ashford" in page and "Birchwood" in page and "Dunmore" not in page

    page = _search(client, "alma", school=world_a.school.pk)
    assert "Ashford" in page and "Birchwood" not in page

    page = _search(client, "Alma Ash")  # every word must match
    assert "Ashford" in page and "Birchwood" not in page

    page = _search(client, "x77")  # a student number
    assert "Dunmore" in page and "Ashford" not in page


def _search(client, query, school=""):
    """Search as the page does: the name is posted, never put in the URL."""
    response = client.post(reverse("officers:student_list"), {"q": query, "school": school})
    assert response.status_code == 302
    assert query.split()[0].lower() not in response.url.lower()
    return client.get(response.url).text


def test_each_student_listed_is_an_access_event(client, world_a):
    from sro_portal.audit.models import AccessEvent

    shown = [make_student(world_a.school) for _ in range(3)]
    signed_in(client, world_a.sro)
    client.get(reverse("officers:student_list"))
    recorded = AccessEvent.objects.filter(actor=world_a.sro, action="viewed")
    assert sorted(int(e.object_id) for e in recorded) == sorted(s.pk for s in shown)


def test_the_search_is_never_echoed_into_the_page_title(client, world_a):
    make_student(world_a.school, first_name="Alma", last_name="Ashford")
    signed_in(client, world_a.sro)
    page = _search(client, "Ashford")
    assert "Ashford" not in _title(page)


@pytest.mark.parametrize(
    "params",
    [{"school": "abc"}, {"school": "9" * 11}, {"page": "9999"}, {"q": "x" * 500}, {"q": "%_\\"}],
)
def test_odd_list_parameters_do_not_break_the_page(client, world_a, params):
    make_student(world_a.school)
    signed_in(client, world_a.admin)
    assert client.get(reverse("officers:student_list"), params).status_code == 200


def test_student_list_queries_do_not_grow_with_rows(client, world_a):
    make_student(world_a.school)
    signed_in(client, world_a.supervisor)
    url = reverse("officers:student_list")
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context)

    one = count()
    for n in range(19):
        school = world_a.school if n % 2 else world_a.other_school
        make_student(school, first_name=f"Name{n}", student_number=f"N{n}")
    assert count() == one


def test_the_list_paginates_by_50(client, world_a):
    for n in range(51):
        make_student(world_a.school, last_name=f"Family{n:02}")
    signed_in(client, world_a.sro)
    response = client.get(reverse("officers:student_list"))
    assert len(response.context["page"].object_list) == 50
    assert response.context["page"].paginator.num_pages == 2


# --- The student's page ---------------------------------------------------------------------------


def test_viewing_a_student_writes_an_access_event_each_time(client, world_a):
    student = make_student(world_a.school)
    signed_in(client, world_a.sro)
    url = reverse("officers:student_detail", args=[student.pk])

    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200

    events = AccessEvent.objects.filter(object_id=str(student.pk), content_type__model="student")
    assert events.count() == 2
    assert {(e.action, e.actor_id, e.agency_id) for e in events} == {
        (AccessEvent.Action.VIEWED, world_a.sro.pk, world_a.agency.pk)
    }


def test_opening_the_edit_form_is_a_view_too(client, world_a):
    student = make_student(world_a.school)
    signed_in(client, world_a.sro)
    client.get(reverse("officers:student_edit", args=[student.pk]))
    event = AccessEvent.objects.get(object_id=str(student.pk))
    assert event.action == AccessEvent.Action.VIEWED


def test_student_page_shows_referrals_and_offers_one(client, world_a):
    student = make_student(world_a.school, first_name="Alma", last_name="Ashford")
    partner = CommunityPartner.objects.create(
        agency=world_a.agency, name="Northside Counselling", kind="counselling"
    )
    Referral.objects.create(
        agency=world_a.agency,
        student=student,
        partner=partner,
        made_by=world_a.sro,
        made_on=world_a.agency.today(),
        reason="Grief support",
        consent_by=Referral.ConsentBy.STUDENT,
        consent_on=world_a.agency.today(),
    )
    signed_in(client, world_a.sro)
    page = client.get(reverse("officers:student_detail", args=[student.pk])).text

    assert "Ashford" in page and "Northside Counselling" in page
    assert f"{reverse('officers:referral_create')}?student={student.pk}" in page
    assert "Ashford" not in _title(page)


# --- Creating and editing -------------------------------------------------------------------------


def test_sro_adds_a_student_at_their_school(client, world_a):
    signed_in(client, world_a.sro)
    response = client.post(reverse("officers:student_create"), _student_form(world_a.school))

    student = Student.objects.get(last_name="Okonkwo-Valdez")
    assert response.url == reverse("officers:student_detail", args=[student.pk])
    assert student.agency == world_a.agency and student.school == world_a.school
    assert "Okonkwo" not in response.url
    follow = client.get(response.url)
    assert "Okonkwo" not in str(list(follow.context["messages"]))


@pytest.mark.parametrize(
    ("role", "school_of"),
    [
        (Role.SRO, lambda a, b: a.other_school),  # the agency's, not assigned to the SRO
        (Role.SRO, lambda a, b: b.school),
        (Role.ADMIN, lambda a, b: b.school),
        (Role.SUPERVISOR, lambda a, b: b.school),
    ],
)
def test_a_school_outside_the_scope_is_refused(client, world_a, world_b, role, school_of):
    signed_in(client, world_a.users[role])
    school = school_of(world_a, world_b)
    response = client.post(reverse("officers:student_create"), _student_form(school))

    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not Student.objects.exists()


def test_sro_cannot_move_a_student_to_a_school_outside_the_scope(client, world_a, world_b):
    student = make_student(world_a.school)
    signed_in(client, world_a.sro)
    url = reverse("officers:student_edit", args=[student.pk])
    response = client.post(url, _student_form(world_b.school, first_name="Avery"))
    assert "Select a valid choice" in response.text
    assert Student.objects.get(pk=student.pk).school == world_a.school


def test_student_of_another_agency_cannot_be_edited(client, world_a, world_b):
    foreign = make_student(world_b.school)
    signed_in(client, world_a.admin)
    url = reverse("officers:student_edit", args=[foreign.pk])
    response = client.post(url, _student_form(world_a.school, first_name="Hijacked"))
    assert response.status_code == 404
    assert Student.objects.get(pk=foreign.pk).first_name == "Avery"


def test_sro_edits_a_student(client, world_a):
    student = make_student(world_a.school, student_number="A-1")
    signed_in(client, world_a.sro)
    url = reverse("officers:student_edit", args=[student.pk])
    form = _student_form(world_a.school, first_name="Avery", grade=11, student_number="A-1")
    response = client.post(url, form)  # its own number is no duplicate
    assert response.url == reverse("officers:student_detail", args=[student.pk])
    student.refresh_from_db()
    assert (student.grade, student.last_name) == (11, "Okonkwo-Valdez")


@pytest.mark.parametrize(
    ("born", "accepted"),
    [
        (date(2022, 3, 10), True),  # 4 today
        (date(2022, 3, 11), False),  # 4 tomorrow
        (date(2004, 3, 11), True),  # 22 tomorrow: still 21
        (date(2004, 3, 10), False),  # 22 today
        (date(2026, 3, 11), False),  # in the future
        (date(1990, 1, 1), False),
    ],
)
def test_date_of_birth_gives_an_age_of_4_to_21(client, world_a, born, accepted):
    world_a.sro.assignments.update(starts_on=date(2020, 1, 1))  # in force on the travelled date
    with time_machine.travel(MORNING, tick=False):
        signed_in(client, world_a.sro)
        form = _student_form(world_a.school, date_of_birth=born.isoformat())
        response = client.post(reverse("officers:student_create"), form)
    assert Student.objects.exists() is accepted
    if not accepted:
        assert response.status_code == 200
        assert response.context["form"].has_error("date_of_birth")


def test_date_of_birth_in_the_future_is_read_on_the_agency_s_calendar(client, world_a):
    # 03:00 UTC on March 11 is still the evening of March 10 in Edmonton: the 11th is tomorrow.
    world_a.sro.assignments.update(starts_on=date(2020, 1, 1))
    with time_machine.travel(datetime(2026, 3, 11, 3, 0, tzinfo=UTC), tick=False):
        signed_in(client, world_a.sro)
        form = _student_form(world_a.school, date_of_birth="2026-03-11")
        response = client.post(reverse("officers:student_create"), form)
    assert "The date of birth is in the future." in response.text
    assert not Student.objects.exists()


def test_date_of_birth_is_required_and_grade_is_0_to_12(client, world_a):
    signed_in(client, world_a.sro)
    url = reverse("officers:student_create")
    response = client.post(url, _student_form(world_a.school, date_of_birth=""))
    assert response.context["form"].has_error("date_of_birth")
    response = client.post(url, _student_form(world_a.school, grade=13))
    assert response.context["form"].has_error("grade")
    response = client.post(url, _student_form(world_a.school, grade=-1))
    assert response.context["form"].has_error("grade")
    assert not Student.objects.exists()
    response = client.post(url, _student_form(world_a.school, grade=""))
    assert response.status_code == 302
    assert Student.objects.get().grade is None


def test_a_duplicate_student_number_is_a_field_error(client, world_a):
    make_student(world_a.school, student_number="S-100")
    signed_in(client, world_a.supervisor)
    url = reverse("officers:student_create")

    response = client.post(url, _student_form(world_a.school, student_number="S-100"))
    assert response.status_code == 200
    assert "Another student of this school has this number." in response.text
    assert response.context["form"].has_error("student_number")
    assert Student.objects.count() == 1

    # Unique per school: another school may use the same number; no number is no duplicate.
    response = client.post(url, _student_form(world_a.other_school, student_number="S-100"))
    assert response.status_code == 302
    client.post(url, _student_form(world_a.school, first_name="One"))
    client.post(url, _student_form(world_a.school, first_name="Two"))
    assert Student.objects.count() == 4


def test_the_same_number_in_another_agency_is_no_duplicate(client, world_a, world_b):
    make_student(world_b.school, student_number="S-100")
    signed_in(client, world_a.sro)
    form = _student_form(world_a.school, student_number="S-100")
    assert client.post(reverse("officers:student_create"), form).status_code == 302
