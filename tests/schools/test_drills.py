"""Drills through the real pages: who may schedule, record and cancel, at which schools."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from schools.models import CorrectiveAction, Drill, DrillKind
from sro_portal.accounts.models import Role
from sro_portal.reminders.models import Reminder
from tests import factories
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def _plan(school, **extra):
    day = timezone.localdate() + timedelta(days=10)
    return {
        "school": school.pk,
        "kind": DrillKind.LOCKDOWN,
        "planned_on": day.isoformat(),
        "planned_time": "10:30",
        "announced": "on",
        **extra,
    }


@pytest.mark.parametrize("role", [Role.SRO, Role.SCHOOL, Role.ADMIN])
def test_writers_schedule_a_drill_at_their_school(client, world_a, role):
    signed_in(client, world_a.users[role])
    response = client.post(reverse("schools:drill_create"), _plan(world_a.school))
    drill = Drill.objects.get()
    assert response.url == reverse("schools:drill_detail", args=[drill.pk])
    local = timezone.localtime(drill.planned_at, world_a.agency.tzinfo)
    assert (local.hour, local.minute) == (10, 30)  # read on the agency's clock
    assert drill.status == Drill.Status.SCHEDULED


@pytest.mark.parametrize("role", [Role.SRO, Role.SCHOOL])
def test_a_school_outside_the_scope_is_refused(client, world_a, world_b, role):
    signed_in(client, world_a.users[role])
    for school in (world_a.other_school, world_b.school):  # not theirs; another agency's
        response = client.post(reverse("schools:drill_create"), _plan(school))
        assert response.status_code == 200
        assert "Select a valid choice" in response.text
    assert not Drill.objects.exists()


def test_the_school_choices_are_the_users_schools(client, world_a):
    signed_in(client, world_a.sro)
    form = client.get(reverse("schools:drill_create")).context["form"]
    assert list(form.fields["school"].queryset) == [world_a.school]
    assert world_a.agency.pk == {u.agency_id for u in form.fields["leader"].queryset}.pop()


def test_supervisors_see_drills_but_do_not_schedule(client, world_a):
    drill = factories.DrillFactory(school=world_a.school)
    signed_in(client, world_a.supervisor)
    assert client.get(reverse("schools:drill_create")).status_code == 403
    assert client.get(reverse("schools:drill_detail", args=[drill.pk])).status_code == 200
    response = client.post(
        reverse("schools:drill_cancel", args=[drill.pk]), {"reason": "Supervisor says so"}
    )
    assert response.status_code == 403
    drill.refresh_from_db()
    assert drill.status == Drill.Status.SCHEDULED


def test_sro_records_a_drill_and_its_reminders_stop(client, world_a):
    signed_in(client, world_a.school_admin)
    client.post(reverse("schools:drill_create"), _plan(world_a.school, leader=world_a.sro.pk))
    drill = Drill.objects.get()
    live = Reminder.objects.filter(
        content_type=ContentType.objects.get_for_model(Drill),
        object_id=str(drill.pk),
        state=Reminder.State.PENDING,
    )
    assert {r.kind for r in live} == {
        "drills.upcoming_week",
        "drills.upcoming_day",
        "drills.not_recorded",
    }
    assert {r.recipient for r in live} == {world_a.sro, world_a.school_admin}

    signed_in(client, world_a.sro)
    today = world_a.agency.today().isoformat()
    response = client.post(
        reverse("schools:drill_record", args=[drill.pk]),
        {
            "started_on": today,
            "started_time": "09:00",
            "ended_time": "09:12",
            "seconds_to_complete": "95",
            "participants": "640",
            "sro_present": "on",
            "observations": "Door 3 did not latch.",
        },
    )
    assert response.status_code == 302
    drill.refresh_from_db()
    assert (drill.status, drill.seconds_to_complete, drill.recorded_by) == (
        Drill.Status.COMPLETED,
        95,
        world_a.sro,
    )
    assert not live.all().exists()  # .all(): a fresh query, not the cached rows


def test_recording_refuses_an_end_before_the_start_and_a_future_date(client, world_a):
    drill = factories.DrillFactory(school=world_a.school)
    signed_in(client, world_a.sro)
    url = reverse("schools:drill_record", args=[drill.pk])
    today = world_a.agency.today()
    response = client.post(
        url, {"started_on": today.isoformat(), "started_time": "10:00", "ended_time": "09:00"}
    )
    assert "cannot end before it started" in response.text
    tomorrow = (today + timedelta(days=1)).isoformat()
    response = client.post(url, {"started_on": tomorrow, "started_time": "10:00"})
    assert "cannot be recorded before it happens" in response.text
    drill.refresh_from_db()
    assert drill.status == Drill.Status.SCHEDULED


def test_cancel_needs_a_reason_and_only_once(client, world_a):
    drill = factories.DrillFactory(school=world_a.school)
    signed_in(client, world_a.sro)
    url = reverse("schools:drill_cancel", args=[drill.pk])
    assert "This field is required" in client.post(url, {"reason": ""}).text
    assert client.post(url, {"reason": "Snow day"}).status_code == 302
    response = client.post(url, {"reason": "Again"})
    assert "no longer scheduled" in response.text
    drill.refresh_from_db()
    assert (drill.status, drill.cancelled_reason) == (Drill.Status.CANCELLED, "Snow day")


def test_sro_loses_the_drills_of_a_school_after_the_assignment_ends(client, world_a):
    drill = factories.DrillFactory(school=world_a.school)
    world_a.sro.assignments.update(ends_on=world_a.agency.today() - timedelta(days=1))
    signed_in(client, world_a.sro)
    assert client.get(reverse("schools:drill_detail", args=[drill.pk])).status_code == 404
    assert drill.school.name not in client.get(reverse("schools:drill_list")).text


def test_corrective_action_added_reminded_and_done(client, world_a):
    drill = factories.DrillFactory(school=world_a.school, status=Drill.Status.COMPLETED)
    signed_in(client, world_a.sro)
    due = timezone.localdate() + timedelta(days=7)
    response = client.post(
        reverse("schools:corrective_action_add", args=[drill.pk]),
        {"description": "Fix door 3", "owner": world_a.school_admin.pk, "due_on": due.isoformat()},
    )
    assert response.status_code == 302
    action = CorrectiveAction.objects.get()
    reminder = Reminder.objects.get(kind="drills.corrective_action_due")
    assert reminder.recipient == world_a.school_admin
    signed_in(client, world_a.school_admin)
    client.post(reverse("schools:corrective_action_done", args=[action.pk]))
    action.refresh_from_db()
    reminder.refresh_from_db()
    assert action.done_on is not None and reminder.state == Reminder.State.CANCELLED


def test_corrective_action_owner_of_another_agency_is_refused(client, world_a, world_b):
    drill = factories.DrillFactory(school=world_a.school)
    signed_in(client, world_a.sro)
    response = client.post(
        reverse("schools:corrective_action_add", args=[drill.pk]),
        {"description": "x", "owner": world_b.sro.pk, "due_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 400
    assert not CorrectiveAction.objects.exists()


def test_drill_list_queries_do_not_grow(client, world_a, django_assert_max_num_queries):
    signed_in(client, world_a.admin)
    factories.DrillFactory(school=world_a.school)
    client.get(reverse("schools:drill_list"))

    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("schools:drill_list")).status_code == 200
        return len(context)

    few = count_queries()
    for _ in range(15):
        school = factories.SchoolFactory(board=world_a.school.board)
        factories.DrillFactory(school=school, leader=world_a.sro)
    assert count_queries() == few
    with django_assert_max_num_queries(8):
        client.get(reverse("schools:drill_list"))


def test_the_drill_list_filters(client, world_a):
    factories.DrillFactory(school=world_a.school, kind=DrillKind.EVACUATION)
    factories.DrillFactory(school=world_a.school, kind=DrillKind.LOCKDOWN, status="completed")
    signed_in(client, world_a.admin)
    page = client.get(reverse("schools:drill_list"), {"kind": "evacuation"}).context["page"]
    assert [d.kind for d in page] == ["evacuation"]
    page = client.get(reverse("schools:drill_list"), {"status": "completed", "page": "x"})
    assert [d.kind for d in page.context["page"]] == ["lockdown"]
