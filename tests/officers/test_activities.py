"""The activity log through the real pages: an SRO logs their day at the schools of their
assignments, changes entries for 7 days, and supervisors see (and correct) everyone's."""

import datetime as dt
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from officers.models import Activity, ActivityCategory, CommunityPartner, SRORole, Student
from sro_portal.accounts.models import Role
from sro_portal.dashboards.models import MonthlyFigures
from tests import factories
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

CREATE = reverse("officers:activity_create")
WEEK = reverse("officers:activity_week")
LIST = reverse("officers:activity_list")


def _edit(activity) -> str:
    return reverse("officers:activity_edit", args=[activity.pk])


def _delete(activity) -> str:
    return reverse("officers:activity_delete", args=[activity.pk])


def _student(school) -> Student:
    return factories.StudentFactory(school=school)


def _partner(agency, **extra) -> CommunityPartner:
    return factories.CommunityPartnerFactory(agency=agency, **extra)


def _activity(officer, school, *, on: date, minutes=30, **extra) -> Activity:
    extra.setdefault("students_reached", 1)
    return factories.ActivityFactory(
        officer=officer, school=school, date=on, minutes=minutes, **extra
    )


def _entry(school, *, on: date, **extra) -> dict:
    return {
        "date": on.isoformat(),
        "school": school.pk,
        "category": ActivityCategory.COUNSELLING,
        "minutes": "30",
        "students_reached": "1",
        "student": "",
        "partner": "",
        "note": "",
        **extra,
    }


def _second_sro(world):
    officer = factories.UserFactory(agency=world.agency, role=Role.SRO, full_name="Cst. Second")
    factories.AssignmentFactory(school=world.school, officer=officer)
    return officer


# --- Logging ------------------------------------------------------------------------------------


def test_sro_logs_activities_and_the_week_shows_the_day_total(client, world_a):
    today = world_a.agency.today()
    signed_in(client, world_a.sro)
    response = client.post(CREATE, _entry(world_a.school, on=today, minutes="45"))
    assert response.status_code == 302
    assert response.url == f"{WEEK}?week={today.isoformat()}"
    client.post(CREATE, _entry(world_a.school, on=today, minutes="50", students_reached="12"))

    entries = Activity.objects.filter(officer=world_a.sro)
    assert sorted(e.minutes for e in entries) == [45, 50]
    assert {(e.agency, e.school, e.date) for e in entries} == {
        (world_a.agency, world_a.school, today)
    }
    page = client.get(response.url, follow=True)
    assert "Logged: Counselling, 50 min at Alpha High." in page.text
    today_row = next(d for d in page.context["days"] if d["is_today"])
    assert today_row["total"] == "1 h 35 min"
    assert "1 h 35 min" in page.text
    assert page.context["students_reached"] == 13


def test_the_new_form_starts_today_on_the_agency_s_clock(client, world_a):
    # 03:00 UTC on the 28th is still the evening of the 27th in Edmonton.
    with time_machine.travel(dt.datetime(2026, 11, 28, 3, 0, tzinfo=dt.UTC), tick=False):
        signed_in(client, world_a.sro)
        form = client.get(CREATE).context["form"]
    assert form.initial["date"] == date(2026, 11, 27)
    assert list(form.fields["school"].queryset) == [world_a.school]


def test_save_and_log_another_returns_to_a_fresh_form_with_the_same_school_and_category(
    client, world_a
):
    today = world_a.agency.today()
    factories.AssignmentFactory(school=world_a.other_school, officer=world_a.sro)
    signed_in(client, world_a.sro)
    response = client.post(
        CREATE,
        _entry(world_a.other_school, on=today, category=ActivityCategory.MEDIATION, another="1"),
    )
    assert response.status_code == 302
    assert urlsplit(response.url).path == CREATE
    page = client.get(response.url)
    assert "Logged: Mediation, 30 min at Alpha Composite." in page.text
    form = page.context["form"]
    assert str(form.initial["school"]) == str(world_a.other_school.pk)
    assert form.initial["category"] == ActivityCategory.MEDIATION
    assert "minutes" not in form.initial
    assert form.initial["date"] == today


def test_logging_another_for_an_earlier_day_keeps_that_day(client, world_a):
    yesterday = world_a.agency.today() - timedelta(days=1)
    signed_in(client, world_a.sro)
    response = client.post(CREATE, _entry(world_a.school, on=yesterday, another="1"))
    assert parse_qs(urlsplit(response.url).query)["date"] == [yesterday.isoformat()]
    assert client.get(response.url).context["form"].initial["date"] == yesterday


@pytest.mark.parametrize("minutes", ["0", "721", "-5", "half an hour"])
def test_minutes_outside_1_to_720_are_refused(client, world_a, minutes):
    signed_in(client, world_a.sro)
    response = client.post(
        CREATE, _entry(world_a.school, on=world_a.agency.today(), minutes=minutes)
    )
    assert response.status_code == 200
    assert "minutes" in response.context["form"].errors
    assert not Activity.objects.exists()


def test_a_future_date_is_refused(client, world_a):
    signed_in(client, world_a.sro)
    tomorrow = world_a.agency.today() + timedelta(days=1)
    response = client.post(CREATE, _entry(world_a.school, on=tomorrow))
    assert response.status_code == 200
    assert response.context["form"].errors["date"] == [
        "An activity cannot be logged before it happens."
    ]
    assert not Activity.objects.exists()


def test_a_long_note_is_refused(client, world_a):
    signed_in(client, world_a.sro)
    response = client.post(
        CREATE, _entry(world_a.school, on=world_a.agency.today(), note="x" * 501)
    )
    assert "note" in response.context["form"].errors
    assert not Activity.objects.exists()


def test_schools_outside_the_officer_s_scope_are_refused(client, world_a, world_b):
    signed_in(client, world_a.sro)
    today = world_a.agency.today()
    for school in (world_a.other_school, world_b.school):  # not assigned; another agency's
        response = client.post(CREATE, _entry(school, on=today))
        assert response.status_code == 200
        assert "school" in response.context["form"].errors
    response = client.post(CREATE, {**_entry(world_a.school, on=today), "school": "1 OR 1=1"})
    assert "school" in response.context["form"].errors
    assert not Activity.objects.exists()


def test_the_service_refuses_a_school_out_of_scope_with_a_field_error(client, world_a):
    # The form offers today's schools; the service checks again, for the entry's date.
    from officers.forms.activities import ActivityForm
    from officers.services import activity_log

    today = world_a.agency.today()
    form = ActivityForm(_entry(world_a.school, on=today), actor=world_a.sro, on=today, initial={})
    assert form.is_valid()
    world_a.sro.assignments.update(ends_on=today - timedelta(days=1))
    with pytest.raises(ValidationError) as error:
        activity_log(actor=world_a.sro, **form.activity_fields())
    assert error.value.message_dict == {"school": ["Choose one of your schools."]}


def test_students_of_another_school_or_agency_are_refused(client, world_a, world_b):
    signed_in(client, world_a.sro)
    today = world_a.agency.today()
    for student in (_student(world_a.other_school), _student(world_b.school)):
        response = client.post(CREATE, _entry(world_a.school, on=today, student=student.pk))
        assert response.status_code == 200
        assert "student" in response.context["form"].errors
    # The officer's other school: a student they may see, but not at the school of the entry.
    factories.AssignmentFactory(school=world_a.other_school, officer=world_a.sro)
    elsewhere = Student.objects.get(school=world_a.other_school)
    response = client.post(CREATE, _entry(world_a.school, on=today, student=elsewhere.pk))
    assert response.context["form"].errors["student"] == ["This student is not at that school."]
    assert not Activity.objects.exists()


def test_a_student_and_a_partner_of_the_school_are_recorded(client, world_a):
    student = _student(world_a.school)
    partner = _partner(world_a.agency)
    signed_in(client, world_a.sro)
    client.post(
        CREATE,
        _entry(
            world_a.school,
            on=world_a.agency.today(),
            student=student.pk,
            partner=partner.pk,
            note="Followed up with AHS.",
        ),
    )
    entry = Activity.objects.get()
    assert (entry.student, entry.partner, entry.note) == (student, partner, "Followed up with AHS.")


def test_inactive_and_other_agency_partners_are_not_offered(client, world_a, world_b):
    active = _partner(world_a.agency)
    _partner(world_a.agency, name="Closed program", is_active=False)
    _partner(world_b.agency, name="Bravo partner")
    signed_in(client, world_a.sro)
    form = client.get(CREATE).context["form"]
    assert list(form.fields["partner"].queryset) == [active]


def test_an_ended_assignment_allows_logging_only_for_the_days_it_covered(client, world_a):
    today = world_a.agency.today()
    yesterday = today - timedelta(days=1)
    world_a.sro.assignments.update(ends_on=yesterday)
    signed_in(client, world_a.sro)

    response = client.post(CREATE, _entry(world_a.school, on=today))
    assert response.status_code == 200
    assert "school" in response.context["form"].errors
    assert not Activity.objects.exists()

    response = client.post(CREATE, _entry(world_a.school, on=yesterday))
    assert response.status_code == 302
    assert Activity.objects.get().date == yesterday


def test_changing_the_date_offers_that_day_s_schools(client, world_a):
    # The date field asks (htmx) for the form of another day: the schools of that day.
    yesterday = world_a.agency.today() - timedelta(days=1)
    world_a.sro.assignments.update(ends_on=yesterday)
    signed_in(client, world_a.sro)
    assert list(client.get(CREATE).context["form"].fields["school"].queryset) == []
    page = client.get(CREATE, {"date": yesterday.isoformat()})
    assert list(page.context["form"].fields["school"].queryset) == [world_a.school]
    assert 'hx-get="/log/new/"' in page.text


def test_the_last_school_and_category_are_remembered(client, world_a):
    factories.AssignmentFactory(school=world_a.other_school, officer=world_a.sro)
    today = world_a.agency.today()
    _activity(world_a.sro, world_a.school, on=today - timedelta(days=2))
    _activity(
        world_a.sro,
        world_a.other_school,
        on=today - timedelta(days=1),
        category=ActivityCategory.PRESENTATION,
    )
    signed_in(client, world_a.sro)
    form = client.get(CREATE).context["form"]
    assert form.initial["school"] == world_a.other_school.pk
    assert form.initial["category"] == ActivityCategory.PRESENTATION
    assert form.initial["date"] == today


def test_repeat_yesterday_prefills_the_form_for_today(client, world_a):
    today = world_a.agency.today()
    partner = _partner(world_a.agency)
    _activity(world_a.sro, world_a.school, on=today - timedelta(days=1), minutes=20)
    latest = _activity(
        world_a.sro,
        world_a.school,
        on=today - timedelta(days=1),
        minutes=40,
        category=ActivityCategory.CRIME_PREVENTION,
        students_reached=25,
        partner=partner,
        note="Lunch-hour visibility",
    )
    signed_in(client, world_a.sro)
    week = client.get(WEEK)
    assert week.context["repeat"] == latest.pk
    assert f"{CREATE}?repeat={latest.pk}" in week.text
    # Another week shown (yesterday not in it) offers the same entry, read in the same query.
    a_month_ago = f"{WEEK}?week={(today - timedelta(days=30)).isoformat()}"
    weeks_ago = client.get(a_month_ago)
    assert weeks_ago.context["repeat"] == latest.pk
    assert sum(len(day["entries"]) for day in weeks_ago.context["days"]) == 0
    assert _count_queries(client, a_month_ago) == _count_queries(client, WEEK)

    form = client.get(CREATE, {"repeat": latest.pk}).context["form"]
    assert form.initial == {
        "date": today,
        "school": world_a.school.pk,
        "category": ActivityCategory.CRIME_PREVENTION,
        "minutes": 40,
        "students_reached": 25,
        "student": None,
        "partner": partner.pk,
        "note": "Lunch-hour visibility",
    }


def test_repeat_takes_only_the_officer_s_own_entries(client, world_a, world_b):
    yesterday = world_a.agency.today() - timedelta(days=1)
    colleague = _activity(_second_sro(world_a), world_a.school, on=yesterday)
    foreign = _activity(world_b.sro, world_b.school, on=yesterday)
    signed_in(client, world_a.sro)
    for value in (colleague.pk, foreign.pk, "abc", "99999999999999999999"):
        assert client.get(CREATE, {"repeat": value}).status_code == 404


def test_no_repeat_button_without_an_entry_yesterday(client, world_a):
    _activity(world_a.sro, world_a.school, on=world_a.agency.today() - timedelta(days=2))
    signed_in(client, world_a.sro)
    week = client.get(WEEK)
    assert week.context["repeat"] is None
    assert "Repeat yesterday" not in week.text


def test_only_sros_log_activities(client, world_a):
    for role in (Role.ADMIN, Role.SUPERVISOR, Role.SCHOOL):
        signed_in(client, world_a.users[role])
        assert client.get(CREATE).status_code == 403
        response = client.post(CREATE, _entry(world_a.school, on=world_a.agency.today()))
        assert response.status_code == 403
    assert not Activity.objects.exists()


# --- Changes: the 7-day rule --------------------------------------------------------------------


def test_the_officer_changes_an_entry_within_7_days_not_after(client, world_a):
    today = world_a.agency.today()
    recent = _activity(world_a.sro, world_a.school, on=today - timedelta(days=6))
    old = _activity(world_a.sro, world_a.school, on=today - timedelta(days=8))
    signed_in(client, world_a.sro)

    page = client.get(_edit(recent))
    assert page.status_code == 200
    assert "audit trail" not in page.text
    response = client.post(_edit(recent), _entry(world_a.school, on=recent.date, minutes="55"))
    assert response.status_code == 302
    assert response.url == f"{WEEK}?week={recent.date.isoformat()}"
    recent.refresh_from_db()
    assert (recent.minutes, recent.category) == (55, ActivityCategory.COUNSELLING)

    assert client.get(_edit(old)).status_code == 403
    response = client.post(_edit(old), _entry(world_a.school, on=old.date, minutes="55"))
    assert response.status_code == 403
    assert "can no longer be changed" in response.text
    assert client.post(_delete(old)).status_code == 403
    old.refresh_from_db()
    assert old.minutes == 30


def test_the_week_links_only_the_entries_the_officer_may_change(client, world_a):
    today = world_a.agency.today()
    monday = today - timedelta(days=today.weekday())
    # Two weeks back, Monday: 8 days old at least, whatever today is.
    old = _activity(world_a.sro, world_a.school, on=monday - timedelta(days=14))
    page = signed_in(client, world_a.sro).get(WEEK, {"week": old.date.isoformat()})
    assert page.context["monday"] == old.date
    assert _edit(old) not in page.text
    entry = _activity(world_a.sro, world_a.school, on=today)
    assert _edit(entry) in client.get(WEEK).text


def test_an_entry_keeps_its_student_when_the_officer_has_left_the_school(client, world_a):
    today = world_a.agency.today()
    assignment = factories.AssignmentFactory(school=world_a.other_school, officer=world_a.sro)
    student = _student(world_a.other_school)
    entry = _activity(world_a.sro, world_a.other_school, on=today - timedelta(days=3))
    entry.student = student
    entry.save()
    assignment.ends_on = today - timedelta(days=1)
    assignment.save()
    signed_in(client, world_a.sro)
    data = _entry(world_a.other_school, on=entry.date, student=student.pk, minutes="35")
    assert client.post(_edit(entry), data).status_code == 302
    entry.refresh_from_db()
    assert (entry.minutes, entry.student) == (35, student)


def test_a_partner_made_inactive_since_stays_on_the_entry(client, world_a):
    partner = _partner(world_a.agency)
    entry = _activity(world_a.sro, world_a.school, on=world_a.agency.today(), partner=partner)
    partner.is_active = False
    partner.save()
    signed_in(client, world_a.sro)
    data = _entry(world_a.school, on=entry.date, partner=partner.pk, minutes="40")
    assert client.post(_edit(entry), data).status_code == 302
    entry.refresh_from_db()
    assert (entry.minutes, entry.partner) == (40, partner)


def test_an_inactive_partner_cannot_be_newly_chosen(world_a):
    from django.core.exceptions import ValidationError

    from officers import services

    partner = _partner(world_a.agency)
    partner.is_active = False
    partner.save()
    with pytest.raises(ValidationError) as error:
        services.activity_log(
            actor=world_a.sro,
            school=world_a.school,
            date=world_a.agency.today(),
            category="mentoring",
            minutes=30,
            partner=partner,
        )
    assert "partner" in error.value.message_dict


def test_entries_older_than_the_edit_window_cannot_be_logged(client, world_a):
    signed_in(client, world_a.sro)
    old = world_a.agency.today() - timedelta(days=8)
    response = client.post(reverse("officers:activity_create"), _entry(world_a.school, on=old))
    assert response.status_code == 200
    assert "Entries older than 7 days are locked" in response.text


def test_a_supervisor_corrects_an_old_entry_and_is_told_it_is_audited(client, world_a):
    old = _activity(world_a.sro, world_a.school, on=world_a.agency.today() - timedelta(days=8))
    signed_in(client, world_a.supervisor)
    page = client.get(_edit(old))
    assert page.status_code == 200
    assert "Your change is recorded in the audit trail." in page.text
    response = client.post(_edit(old), _entry(world_a.school, on=old.date, minutes="90"))
    assert response.status_code == 302
    assert response.url == LIST
    old.refresh_from_db()
    assert (old.minutes, old.officer) == (90, world_a.sro)


@pytest.mark.postgres
def test_a_supervisor_s_correction_is_in_the_audit_trail(client, world_a):
    old = _activity(world_a.sro, world_a.school, on=world_a.agency.today() - timedelta(days=30))
    signed_in(client, world_a.supervisor)
    client.post(_edit(old), _entry(world_a.school, on=old.date, minutes="90"))
    event = Activity.pgh_event_model.objects.filter(pgh_obj_id=old.pk).order_by("pgh_id").last()
    assert (event.pgh_label, event.minutes) == ("update", 90)
    assert event.pgh_context.metadata["user"] == world_a.supervisor.pk


def test_a_supervisor_cannot_move_an_entry_to_a_school_the_officer_was_not_at(client, world_a):
    entry = _activity(world_a.sro, world_a.school, on=world_a.agency.today())
    signed_in(client, world_a.supervisor)
    response = client.post(_edit(entry), _entry(world_a.other_school, on=entry.date))
    assert response.status_code == 200
    assert response.context["form"].errors["school"] == ["Choose one of your schools."]
    entry.refresh_from_db()
    assert entry.school == world_a.school


def test_an_agency_admin_reads_the_log_but_does_not_change_it(client, world_a):
    entry = _activity(world_a.sro, world_a.school, on=world_a.agency.today())
    signed_in(client, world_a.admin)
    assert client.get(LIST).status_code == 200
    assert client.get(_edit(entry)).status_code == 403
    assert client.post(_delete(entry)).status_code == 403
    assert Activity.objects.filter(pk=entry.pk).exists()


def test_another_officer_s_entry_is_404_for_edit_and_delete(client, world_a, world_b):
    today = world_a.agency.today()
    colleague = _activity(_second_sro(world_a), world_a.school, on=today)
    foreign = _activity(world_b.sro, world_b.school, on=today)
    signed_in(client, world_a.sro)
    for entry in (colleague, foreign):
        assert client.get(_edit(entry)).status_code == 404
        response = client.post(_edit(entry), _entry(world_a.school, on=today, minutes="99"))
        assert response.status_code == 404
        assert client.post(_delete(entry)).status_code == 404
    assert set(Activity.objects.values_list("minutes", flat=True)) == {30}
    assert Activity.objects.count() == 2


def test_delete_takes_post_only_and_removes_the_entry(client, world_a):
    entry = _activity(world_a.sro, world_a.school, on=world_a.agency.today())
    signed_in(client, world_a.sro)
    assert client.get(_delete(entry)).status_code == 405
    assert Activity.objects.filter(pk=entry.pk).exists()
    page = client.get(_edit(entry))
    assert 'data-confirm="Delete this entry?' in page.text
    response = client.post(_delete(entry))
    assert response.status_code == 302
    assert response.url == f"{WEEK}?week={entry.date.isoformat()}"
    assert not Activity.objects.filter(pk=entry.pk).exists()


# --- The week -----------------------------------------------------------------------------------


def test_the_week_runs_monday_to_sunday_and_reads_bad_weeks_as_this_week(client, world_a):
    today = world_a.agency.today()
    this_monday = today - timedelta(days=today.weekday())
    signed_in(client, world_a.sro)
    for value in (None, "not-a-date", "2026-02-30", "0001-01-01", "9999-12-31"):
        page = client.get(WEEK, {"week": value} if value else {})
        assert page.status_code == 200
        assert page.context["monday"] == this_monday
        assert [d["date"] for d in page.context["days"]] == [
            this_monday + timedelta(days=n) for n in range(7)
        ]
        assert page.context["next_week"] is None  # no link into the future
    last_sunday = this_monday - timedelta(days=1)
    page = client.get(WEEK, {"week": last_sunday.isoformat()})
    assert page.context["monday"] == this_monday - timedelta(days=7)
    assert page.context["next_week"] == this_monday
    assert page.context["previous_week"] == this_monday - timedelta(days=14)


# A Monday: yesterday is a day of the week before.
@time_machine.travel(dt.datetime(2026, 11, 30, 18, tzinfo=dt.UTC), tick=False)
def test_on_a_monday_the_week_offers_sunday_s_last_entry_without_counting_it(client, world_a):
    today = world_a.agency.today()
    assert today.weekday() == 0
    sunday = today - timedelta(days=1)
    _activity(world_a.sro, world_a.school, on=sunday, minutes=20)
    last = _activity(world_a.sro, world_a.school, on=sunday, minutes=40, students_reached=9)
    _activity(world_a.sro, world_a.school, on=today, minutes=15, students_reached=2)
    page = signed_in(client, world_a.sro).get(WEEK)
    assert page.context["repeat"] == last.pk
    assert [len(day["entries"]) for day in page.context["days"]] == [1, 0, 0, 0, 0, 0, 0]
    assert (page.context["total_minutes"], page.context["students_reached"]) == (15, 2)


def test_the_week_shows_only_the_officer_s_own_entries(client, world_a, world_b):
    today = world_a.agency.today()
    _activity(_second_sro(world_a), world_a.school, on=today, minutes=300)
    _activity(world_b.sro, world_b.school, on=today, minutes=400)
    _activity(world_a.sro, world_a.school, on=today, minutes=75)
    page = signed_in(client, world_a.sro).get(WEEK)
    assert page.context["total"] == "1 h 15 min"


def test_supervisors_and_admins_are_sent_to_the_agency_s_list(client, world_a):
    for role in (Role.SUPERVISOR, Role.ADMIN):
        response = signed_in(client, world_a.users[role]).get(WEEK)
        assert (response.status_code, response.url) == (302, LIST)


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_the_week_costs_the_same_queries_for_1_or_20_entries(client, world_a):
    today = world_a.agency.today()
    factories.AssignmentFactory(school=world_a.other_school, officer=world_a.sro)
    _activity(world_a.sro, world_a.school, on=today)
    signed_in(client, world_a.sro)
    client.get(WEEK)  # warm-up: session, caches
    few = _count_queries(client, WEEK)
    monday = today - timedelta(days=today.weekday())
    for n in range(19):
        school = world_a.school if n % 2 else world_a.other_school
        _activity(world_a.sro, school, on=max(monday, today - timedelta(days=n % 7)))
    assert _count_queries(client, WEEK) == few
    assert sum(len(d["entries"]) for d in client.get(WEEK).context["days"]) == 20


# --- The agency's list --------------------------------------------------------------------------


def test_supervisors_see_everyone_s_entries_and_sros_only_their_own(client, world_a, world_b):
    today = world_a.agency.today()
    mine = _activity(world_a.sro, world_a.school, on=today)
    colleague = _activity(_second_sro(world_a), world_a.school, on=today)
    _activity(world_b.sro, world_b.school, on=today)

    for role in (Role.SUPERVISOR, Role.ADMIN):
        page = signed_in(client, world_a.users[role]).get(LIST)
        assert {row.id for row in page.context["page"].object_list} == {mine.pk, colleague.pk}
        assert "Cst. Second" in page.text
    page = signed_in(client, world_a.sro).get(LIST)
    assert [row.id for row in page.context["page"].object_list] == [mine.pk]
    assert "officer" not in page.context["filters"].fields


def test_the_list_filters_and_totals_time_by_sro_role(client, world_a):
    today = world_a.agency.today()
    second = _second_sro(world_a)
    _activity(world_a.sro, world_a.school, on=today, minutes=60)  # mentor
    _activity(
        world_a.sro,
        world_a.school,
        on=today - timedelta(days=3),
        minutes=45,
        category=ActivityCategory.PRESENTATION,  # educator
    )
    _activity(second, world_a.school, on=today, minutes=30, category=ActivityCategory.INVESTIGATION)
    signed_in(client, world_a.supervisor)

    page = client.get(LIST)
    assert [r["minutes"] for r in page.context["roles"]] == [30, 45, 60]
    assert [r["label"] for r in page.context["roles"]] == [r.label for r in SRORole]
    assert page.context["total"] == "2 h 15 min"

    page = client.get(LIST, {"officer": world_a.sro.pk})
    assert len(page.context["page"].object_list) == 2
    assert page.context["total"] == "1 h 45 min"
    page = client.get(LIST, {"category": ActivityCategory.INVESTIGATION})
    assert [row.officer_id for row in page.context["page"].object_list] == [second.pk]
    page = client.get(LIST, {"start": (today - timedelta(days=1)).isoformat()})
    assert page.context["total_minutes"] == 90
    page = client.get(LIST, {"end": (today - timedelta(days=1)).isoformat()})
    assert page.context["total_minutes"] == 45
    page = client.get(LIST, {"school": world_a.other_school.pk})
    assert page.context["total_minutes"] == 0
    # A bad value is ignored (with its error shown), not a 500.
    page = client.get(LIST, {"officer": "x", "start": "soon", "school": world_a.school.pk})
    assert page.status_code == 200
    assert page.context["total_minutes"] == 135


def test_the_list_refuses_filters_on_another_agency(client, world_a, world_b):
    _activity(world_a.sro, world_a.school, on=world_a.agency.today())
    signed_in(client, world_a.supervisor)
    page = client.get(LIST, {"officer": world_b.sro.pk, "school": world_b.school.pk})
    assert set(page.context["filters"].errors) == {"officer", "school"}
    assert len(page.context["page"].object_list) == 1


# Mid-year: the entries 18 days back must fall in the school year the list opens on.
@time_machine.travel(dt.datetime(2026, 3, 15, 18, tzinfo=dt.UTC), tick=False)
def test_the_list_costs_the_same_queries_for_1_or_20_entries(client, world_a):
    today = world_a.agency.today()
    _activity(world_a.sro, world_a.school, on=today)
    signed_in(client, world_a.supervisor)
    client.get(LIST)  # warm-up
    few = _count_queries(client, LIST)
    officers = [_second_sro(world_a) for _ in range(3)]
    for n in range(19):
        school = factories.SchoolFactory(board=world_a.school.board)
        factories.AssignmentFactory(school=school, officer=officers[n % 3])
        _activity(officers[n % 3], school, on=today - timedelta(days=n), partner=None)
    # The whole agency's time by role is added up from the dashboard's kept monthly figures:
    # the months the new entries changed are computed again once (one pass, one write).
    assert few <= _count_queries(client, LIST) <= few + 2
    assert _count_queries(client, LIST) == few
    assert len(client.get(LIST).context["page"].object_list) == 20


def _minutes_since(agency, start: date) -> int:
    return sum(
        Activity.objects.filter(agency=agency, date__gte=start).values_list("minutes", flat=True)
    )


@pytest.mark.postgres  # where the kept figures are
@time_machine.travel(dt.datetime(2026, 3, 15, 18, tzinfo=dt.UTC), tick=False)
def test_the_agency_s_time_by_role_from_kept_months_stays_that_of_the_rows(client, world_a):
    today = world_a.agency.today()
    year_start = world_a.agency.school_year_for(today).start
    february = _activity(world_a.sro, world_a.school, on=date(2026, 2, 10), minutes=45)
    _activity(world_a.sro, world_a.school, on=today, minutes=20)
    signed_in(client, world_a.supervisor)
    assert client.get(LIST).context["total_minutes"] == 65
    assert MonthlyFigures.objects.filter(agency=world_a.agency, source="activity").exists()

    Activity.objects.filter(pk=february.pk).update(minutes=50)  # a kept month changes
    _activity(world_a.sro, world_a.school, on=date(2025, 9, 2), minutes=10)
    _activity(world_a.sro, world_a.school, on=today + timedelta(days=3), minutes=5)  # ahead
    _activity(world_a.sro, world_a.school, on=date(2025, 8, 31), minutes=99)  # the year before
    page = client.get(LIST)
    assert page.context["total_minutes"] == _minutes_since(world_a.agency, year_start) == 85
    assert sum(role["minutes"] for role in page.context["roles"]) == 85
    # With an end date, up to it.
    page = client.get(LIST, {"start": year_start.isoformat(), "end": today.isoformat()})
    assert page.context["total_minutes"] == 80
    # Longer than a dashboard's longest period: read from the rows, nothing more kept.
    kept = MonthlyFigures.objects.count()
    assert client.get(LIST, {"start": "1990-01-01"}).context["total_minutes"] == 184
    assert MonthlyFigures.objects.count() == kept


def test_the_list_pages_by_50(client, world_a):
    today = world_a.agency.today()
    Activity.objects.bulk_create(
        Activity(
            agency=world_a.agency,
            officer=world_a.sro,
            school=world_a.school,
            date=today,
            category=ActivityCategory.MENTORING,
            minutes=10,
        )
        for _ in range(51)
    )
    signed_in(client, world_a.supervisor)
    page = client.get(LIST)
    assert len(page.context["page"].object_list) == 50
    assert page.context["total_minutes"] == 510  # the totals cover every page
    assert page.context["page"].count == 51
    older = client.get(LIST, {"after": page.context["page"].older})
    assert len(older.context["page"].object_list) == 1
    assert older.context["page"].older is None
    assert older.context["total_minutes"] == 510
    assert "Older" not in older.text and "Newest" in older.text


def test_a_filtered_list_s_time_by_role_on_one_page_or_more(client, world_a):
    """The filtered entries' time by role covers every page, in the same number of queries
    whether they fill one page or more (queries constant in the data size)."""
    today = world_a.agency.today()
    categories = [ActivityCategory.MENTORING, ActivityCategory.PRESENTATION]
    Activity.objects.bulk_create(
        Activity(
            agency=world_a.agency,
            officer=world_a.sro,
            school=world_a.school,
            date=today - timedelta(days=n % 20),
            category=categories[n % 2],
            minutes=10 + n,
        )
        for n in range(60)
    )
    _activity(world_a.sro, world_a.other_school, on=today, minutes=7)  # filtered out
    signed_in(client, world_a.supervisor)
    school = f"{LIST}?school={world_a.school.pk}"
    mentoring = f"{school}&category={ActivityCategory.MENTORING}"
    # Law enforcement, educator, mentor: the even entries are mentoring, the odd presentations.
    for url, minutes in ((school, [0, 1200, 1170]), (mentoring, [0, 0, 1170])):
        page = client.get(url)
        assert [role["minutes"] for role in page.context["roles"]] == minutes
        assert page.context["total_minutes"] == sum(minutes)
    # 60 rows: two pages; 30: one page.
    assert client.get(school).context["page"].older is not None
    assert client.get(mentoring).context["page"].older is None
    assert _count_queries(client, mentoring) == _count_queries(client, school)


# --- School admins ------------------------------------------------------------------------------


def test_school_admins_have_no_activity_pages(client, world_a):
    entry = _activity(world_a.sro, world_a.school, on=world_a.agency.today())
    signed_in(client, world_a.school_admin)
    for url in (WEEK, CREATE, LIST):
        assert client.get(url).status_code == 403
    # Pages about one entry find it through the selector first, like every object page: a
    # school admin sees no entry, so the entry is not found (404), whatever its agency.
    assert client.get(_edit(entry)).status_code == 404
    assert client.post(_edit(entry), _entry(world_a.school, on=entry.date)).status_code == 404
    assert client.post(_delete(entry)).status_code == 404
    assert Activity.objects.get().minutes == 30
