"""The pages of a talk through the real pages and database: a school's request, the SRO's schedule
(and a move, kept with its reason), the delivery record and the feedback asked of the requester,
a cancellation; errors next to the fields; who sees which talk and who may act on it; a status
moved on in another tab; the feedback link never on a page; constant query counts on the list."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from presentations import services
from presentations.models import Feedback, Presentation, ScheduleChange
from presentations.reminders import FEEDBACK_REQUEST
from presentations.tokens import feedback_token
from sro_portal.accounts.models import Role
from sro_portal.reminders.models import Reminder
from tests.factories import (
    CommunityPartnerFactory,
    FeedbackFactory,
    PresentationFactory,
    SchoolMembershipFactory,
    TopicFactory,
    UserFactory,
)
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

SCHEDULERS = [Role.ADMIN, Role.SUPERVISOR, Role.SRO]
# Every page about one talk.
TALK_PAGES = [
    "presentations:detail",
    "presentations:schedule",
    "presentations:deliver",
    "presentations:cancel",
]
ACTION_PAGES = TALK_PAGES[1:]


# --- Helpers ------------------------------------------------------------------------------------


def today(world):
    return world.agency.today()


def at_local(world, days: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment `days` from today at hour:minute on the agency's clock."""
    day = today(world) + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=world.agency.tzinfo)


def local(moment: datetime, world) -> str:
    """A moment as a datetime-local input shows it, on the agency's clock."""
    return moment.astimezone(world.agency.tzinfo).strftime("%Y-%m-%dT%H:%M")


def shown(moment: datetime, world) -> str:
    """A moment as the pages print it, on the agency's clock."""
    return formats.date_format(timezone.localtime(moment, world.agency.tzinfo), "DATETIME_FORMAT")


def url(name, obj) -> str:
    return reverse(name, args=[obj.pk])


def listed(client, **params) -> list[int]:
    """The ids of the talks on the list's first page (its rows are named tuples, not talks)."""
    page = client.get(reverse("presentations:list"), params).context["page"]
    return [row.id for row in page.object_list]


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def text(response) -> str:
    return response.content.decode()


def topic_of(world, **fields):
    return TopicFactory(agency=world.agency, **fields)


def request_form(world, topic, **extra) -> dict:
    return {
        "school": world.school.pk,
        "topic": topic.pk,
        "classes": "8A and 8B",
        "grade_from": "8",
        "grade_to": "8",
        "expected_students": "55",
        "preferred_from": (today(world) + timedelta(days=7)).isoformat(),
        "preferred_to": (today(world) + timedelta(days=30)).isoformat(),
        "needs": "Vaping in the washrooms lately.",
        **extra,
    }


def requested(world, *, school=None, requester=None, topic=None) -> Presentation:
    """A request through the service: by the school admin at world.school, else the agency
    admin."""
    school = school or world.school
    requester = requester or (world.school_admin if school == world.school else world.admin)
    return services.presentation_request(
        actor=requester,
        school=school,
        topic=topic or topic_of(world),
        classes="9C",
        grade_from=9,
        grade_to=9,
        expected_students=28,
        preferred_from=today(world) + timedelta(days=3),
        preferred_to=today(world) + timedelta(days=20),
        needs="Sextortion scams reported this month.",
    )


def scheduled(world, talk, *, when=None, room="Library") -> Presentation:
    return services.presentation_schedule(
        actor=world.admin,
        presentation=talk,
        scheduled_at=when or at_local(world, 10),
        room=room,
        presenters=[world.sro],
    )


def delivered(world, talk) -> Presentation:
    """Scheduled in an hour, then recorded two hours from now (time travelled)."""
    start = timezone.now() + timedelta(hours=1)
    scheduled(world, talk, when=start)
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        return services.presentation_deliver(
            actor=world.admin,
            presentation=talk,
            students_reached=27,
            classes_reached="9C",
            tailoring="Spent longer on reporting scams.",
            follow_up_questions="Can police remove images?",
        )


def schedule_form(world, **extra) -> dict:
    return {
        "scheduled_at": local(at_local(world, 10), world),
        "room": "Library",
        "presenters": [world.sro.pk],
        "partner": "",
        **extra,
    }


def deliver_form(**extra) -> dict:
    return {
        "students_reached": "52",
        "classes_reached": "8A and 8B",
        "tailoring": "Added a part on vape shops near the school.",
        "follow_up_questions": "Is it illegal to hold a vape for a friend?",
        **extra,
    }


# --- The journey --------------------------------------------------------------------------------


def test_a_talk_goes_from_request_through_a_move_to_delivery_and_feedback_through_the_pages(
    client, world_a
):
    topic = topic_of(world_a, title="Vaping")
    principal = signed_in(client.__class__(), world_a.school_admin)
    assert principal.get(reverse("presentations:request")).status_code == 200

    response = principal.post(reverse("presentations:request"), request_form(world_a, topic))

    talk = Presentation.objects.get()
    assert response.status_code == 302
    assert response.url == url("presentations:detail", talk)
    assert flash(response) and "Vaping" in flash(response)[0]
    assert (talk.school, talk.topic, talk.requested_by, talk.status) == (
        world_a.school,
        topic,
        world_a.school_admin,
        Presentation.Status.REQUESTED,
    )
    assert (talk.classes, talk.grade_from, talk.grade_to, talk.expected_students) == (
        "8A and 8B",
        8,
        8,
        55,
    )
    assert talk.needs == "Vaping in the washrooms lately."
    assert talk.pk in listed(principal)

    # The SRO of the school sets a date, typed on the agency's clock.
    sro = signed_in(client, world_a.sro)
    detail = text(sro.get(url("presentations:detail", talk)))
    assert "Vaping in the washrooms lately." in detail
    assert url("presentations:schedule", talk) in detail
    assert sro.get(url("presentations:schedule", talk)).status_code == 200
    first = at_local(world_a, 10, 10, 30)
    partner = CommunityPartnerFactory(agency=world_a.agency, name="Alberta Health Services")
    response = sro.post(
        url("presentations:schedule", talk),
        schedule_form(world_a, scheduled_at=local(first, world_a), room="Gym", partner=partner.pk),
    )
    assert response.status_code == 302, response.context["form"].errors
    talk.refresh_from_db()
    assert talk.status == Presentation.Status.SCHEDULED
    assert talk.scheduled_at == first
    assert (talk.room, talk.partner, list(talk.presenters.all())) == ("Gym", partner, [world_a.sro])
    detail = text(sro.get(url("presentations:detail", talk)))
    assert shown(first, world_a) in detail
    assert "Alberta Health Services" in detail

    # Moved two days later, with the reason: kept in the history.
    second = at_local(world_a, 12, 13, 15)
    response = sro.post(
        url("presentations:schedule", talk),
        schedule_form(
            world_a,
            scheduled_at=local(second, world_a),
            room="Gym",
            reason="Exams moved to that week.",
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    talk.refresh_from_db()
    assert talk.scheduled_at == second
    change = ScheduleChange.objects.get(presentation=talk)
    assert (change.previous_at, change.new_at, change.changed_by) == (first, second, world_a.sro)
    detail = text(principal.get(url("presentations:detail", talk)))
    assert "Exams moved to that week." in detail
    assert shown(first, world_a) in detail and shown(second, world_a) in detail

    # Too early to record it ...
    response = sro.get(url("presentations:deliver", talk))
    assert response.status_code == 302
    assert url("presentations:deliver", talk) not in text(sro.get(response.url))

    # ... and after it started, the SRO records it.
    with time_machine.travel(second + timedelta(hours=1), tick=False):
        sro = signed_in(client, world_a.sro)
        detail = text(sro.get(url("presentations:detail", talk)))
        assert url("presentations:deliver", talk) in detail
        form = sro.get(url("presentations:deliver", talk)).context["form"]
        assert form.initial["classes_reached"] == "8A and 8B"  # the request's classes
        response = sro.post(url("presentations:deliver", talk), deliver_form())
        assert response.status_code == 302, response.context["form"].errors
        assert any("feedback" in message for message in flash(response))

    talk.refresh_from_db()
    assert talk.status == Presentation.Status.DELIVERED
    assert (talk.students_reached, talk.classes_reached, talk.delivered_by) == (
        52,
        "8A and 8B",
        world_a.sro,
    )
    assert talk.tailoring == "Added a part on vape shops near the school."
    assert talk.follow_up_questions == "Is it illegal to hold a vape for a friend?"
    feedback = Feedback.objects.get(presentation=talk)
    assert Reminder.objects.filter(
        kind=FEEDBACK_REQUEST,
        recipient=world_a.school_admin,
        object_id=str(feedback.pk),
        state=Reminder.State.PENDING,
    ).exists()
    detail = text(sro.get(url("presentations:detail", talk)))
    assert "Added a part on vape shops near the school." in detail
    assert "not answered yet" in detail
    assert feedback_token(feedback) not in detail
    assert feedback.key.hex not in detail and str(feedback.key) not in detail
    # Nothing left to do on a delivered talk.
    for name in ACTION_PAGES:
        assert url(name, talk) not in detail


def test_a_school_admin_cancels_their_request_with_the_reason(client, world_a):
    talk = requested(world_a)
    signed_in(client, world_a.school_admin)
    assert url("presentations:cancel", talk) in text(client.get(url("presentations:detail", talk)))
    assert client.get(url("presentations:cancel", talk)).status_code == 200

    response = client.post(url("presentations:cancel", talk), {"reason": ""})
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors

    reason = {"reason": "The school closes early."}
    response = client.post(url("presentations:cancel", talk), reason)
    assert response.status_code == 302
    talk.refresh_from_db()
    assert (talk.status, talk.cancel_reason, talk.cancelled_by) == (
        Presentation.Status.CANCELLED,
        "The school closes early.",
        world_a.school_admin,
    )
    assert "The school closes early." in text(client.get(url("presentations:detail", talk)))
    assert not Reminder.objects.filter(
        object_id=str(talk.pk), kind__startswith="presentations.", state=Reminder.State.PENDING
    ).exists()


# --- The request form ---------------------------------------------------------------------------


def test_the_request_form_chooses_the_only_school_and_offers_only_active_topics(client, world_a):
    offered = topic_of(world_a, title="Online safety")
    withdrawn = topic_of(world_a, title="Old topic", is_active=False)
    elsewhere = TopicFactory(title="Another agency's topic")  # a topic of another agency
    signed_in(client, world_a.school_admin)

    form = client.get(reverse("presentations:request")).context["form"]

    assert form.initial["school"] == world_a.school.pk
    assert list(form.fields["school"].queryset) == [world_a.school]
    assert list(form.fields["topic"].queryset) == [offered]
    assert withdrawn not in form.fields["topic"].queryset
    assert elsewhere not in form.fields["topic"].queryset


def test_an_agency_admin_chooses_among_every_school(client, world_a):
    topic = topic_of(world_a)
    signed_in(client, world_a.admin)
    form = client.get(reverse("presentations:request")).context["form"]
    assert "school" not in form.initial or form.initial["school"] is None
    assert set(form.fields["school"].queryset) == {world_a.school, world_a.other_school}

    response = client.post(
        reverse("presentations:request"),
        request_form(world_a, topic, school=world_a.other_school.pk),
    )
    assert response.status_code == 302
    assert Presentation.objects.get().school == world_a.other_school


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"preferred_from": 20, "preferred_to": 10}, "preferred_to"),
        ({"preferred_from": -20, "preferred_to": -10}, "preferred_to"),
        ({"grade_from": "10", "grade_to": "8"}, "grade_to"),
        ({"expected_students": "0"}, "expected_students"),
        ({"classes": ""}, "classes"),
        ({"preferred_from": "not a date"}, "preferred_from"),
    ],
)
def test_request_errors_are_shown_next_to_the_fields(client, world_a, change, field):
    topic = topic_of(world_a)
    data = request_form(world_a, topic)
    for name, value in change.items():
        if isinstance(value, int):
            value = (today(world_a) + timedelta(days=value)).isoformat()
        data[name] = value
    signed_in(client, world_a.school_admin)

    response = client.post(reverse("presentations:request"), data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Presentation.objects.exists()


def test_a_topic_no_longer_offered_or_another_school_is_refused(client, world_a):
    withdrawn = topic_of(world_a, is_active=False)
    offered = topic_of(world_a)
    signed_in(client, world_a.school_admin)

    response = client.post(reverse("presentations:request"), request_form(world_a, withdrawn))
    assert response.status_code == 400
    assert "topic" in response.context["form"].errors

    response = client.post(
        reverse("presentations:request"),
        request_form(world_a, offered, school=world_a.other_school.pk),
    )
    assert response.status_code == 400
    assert "school" in response.context["form"].errors
    assert not Presentation.objects.exists()


def test_a_supervisor_does_not_request(client, world_a):
    topic_of(world_a)
    signed_in(client, world_a.supervisor)
    assert client.get(reverse("presentations:request")).status_code == 403
    page = text(client.get(reverse("presentations:list")))
    assert reverse("presentations:request") not in page


# --- Scheduling ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"presenters": []}, "presenters"),
        ({"scheduled_at": "past"}, "scheduled_at"),
        ({"scheduled_at": "2030-13-45T99:00"}, "scheduled_at"),
        ({"presenters": "school_admin"}, "presenters"),
        ({"partner": "inactive"}, "partner"),
    ],
)
def test_schedule_errors_are_shown_next_to_the_fields(client, world_a, change, field):
    talk = requested(world_a)
    data = schedule_form(world_a, **change)
    if data["scheduled_at"] == "past":
        data["scheduled_at"] = local(timezone.now() - timedelta(hours=1), world_a)
    if data["presenters"] == "school_admin":
        data["presenters"] = [world_a.school_admin.pk]
    if data["partner"] == "inactive":
        data["partner"] = CommunityPartnerFactory(agency=world_a.agency, is_active=False).pk
    signed_in(client, world_a.sro)

    response = client.post(url("presentations:schedule", talk), data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    talk.refresh_from_db()
    assert talk.status == Presentation.Status.REQUESTED
    assert talk.scheduled_at is None


def test_moving_a_scheduled_talk_needs_a_reason(client, world_a):
    talk = scheduled(world_a, requested(world_a))
    before = talk.scheduled_at
    signed_in(client, world_a.sro)
    assert "reason" in client.get(url("presentations:schedule", talk)).context["form"].fields

    response = client.post(
        url("presentations:schedule", talk),
        schedule_form(world_a, scheduled_at=local(at_local(world_a, 11), world_a)),
    )

    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    talk.refresh_from_db()
    assert talk.scheduled_at == before
    assert not ScheduleChange.objects.exists()


def test_a_first_date_asks_no_reason_and_a_new_presenter_alone_is_no_move(client, world_a):
    talk = requested(world_a)
    signed_in(client, world_a.admin)
    form = client.get(url("presentations:schedule", talk)).context["form"]
    assert "reason" not in form.fields
    client.post(url("presentations:schedule", talk), schedule_form(world_a))

    second_sro = UserFactory(agency=world_a.agency, role=Role.SRO)
    response = client.post(
        url("presentations:schedule", talk),
        schedule_form(world_a, presenters=[world_a.sro.pk, second_sro.pk]),
    )

    assert response.status_code == 302
    talk.refresh_from_db()
    assert set(talk.presenters.all()) == {world_a.sro, second_sro}
    assert not ScheduleChange.objects.exists()


# --- Delivery -----------------------------------------------------------------------------------


def test_delivery_cannot_be_recorded_before_the_talk_starts(client, world_a):
    talk = scheduled(world_a, requested(world_a))
    signed_in(client, world_a.sro)
    assert url("presentations:deliver", talk) not in text(
        client.get(url("presentations:detail", talk))
    )

    response = client.post(url("presentations:deliver", talk), deliver_form())

    assert response.status_code == 400
    assert "once it has started" in " ".join(response.context["form"].non_field_errors())
    talk.refresh_from_db()
    assert talk.status == Presentation.Status.SCHEDULED
    assert not Feedback.objects.exists()


def test_delivery_errors_are_shown_next_to_the_fields(client, world_a):
    talk = scheduled(world_a, requested(world_a), when=timezone.now() + timedelta(hours=1))
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        signed_in(client, world_a.sro)
        response = client.post(
            url("presentations:deliver", talk),
            deliver_form(students_reached="0", classes_reached=""),
        )
    assert response.status_code == 400
    assert {"students_reached", "classes_reached"} <= set(response.context["form"].errors)
    talk.refresh_from_db()
    assert talk.status == Presentation.Status.SCHEDULED


# --- A status moved on in another tab -----------------------------------------------------------


def test_a_status_moved_on_in_another_tab_is_a_message_on_the_page(client, world_a):
    talk = requested(world_a)
    signed_in(client, world_a.sro)
    assert client.get(url("presentations:schedule", talk)).status_code == 200
    assert client.get(url("presentations:cancel", talk)).status_code == 200
    services.presentation_cancel(actor=world_a.admin, presentation=talk, reason="Strike day")

    response = client.post(url("presentations:schedule", talk), schedule_form(world_a))
    assert response.status_code == 400
    assert "cancelled" in " ".join(response.context["form"].non_field_errors())
    assert "cancelled" in text(response)

    response = client.post(url("presentations:cancel", talk), {"reason": "Twice"})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()

    response = client.post(url("presentations:deliver", talk), deliver_form())
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()

    talk.refresh_from_db()
    assert (talk.status, talk.cancel_reason) == (Presentation.Status.CANCELLED, "Strike day")


def test_action_pages_of_a_closed_talk_lead_back_to_it(client, world_a):
    talk = requested(world_a)
    services.presentation_cancel(actor=world_a.admin, presentation=talk, reason="Strike day")
    signed_in(client, world_a.sro)
    for name in ACTION_PAGES:
        response = client.get(url(name, talk))
        assert response.status_code == 302, name
        assert response.url == url("presentations:detail", talk)


# --- GET shows the form; nothing changes but by POST -------------------------------------------


def test_action_pages_change_nothing_on_get_and_refuse_other_methods(client, world_a):
    talk = scheduled(world_a, requested(world_a), when=timezone.now() + timedelta(hours=1))
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        signed_in(client, world_a.admin)
        for name in ACTION_PAGES:
            assert client.get(url(name, talk)).status_code == 200, name
            assert client.put(url(name, talk)).status_code == 405, name
            assert client.delete(url(name, talk)).status_code == 405, name
        assert client.post(url("presentations:detail", talk)).status_code == 405
        assert client.post(reverse("presentations:list")).status_code == 405
    talk.refresh_from_db()
    assert talk.status == Presentation.Status.SCHEDULED
    assert not ScheduleChange.objects.exists()
    assert not Feedback.objects.exists()


# --- Who sees what, and who acts ----------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SCHOOL, Role.SRO])
def test_school_admins_and_sros_see_only_the_talks_of_their_schools(client, world_a, role):
    here = requested(world_a)
    there = requested(world_a, school=world_a.other_school)
    signed_in(client, world_a.users[role])

    assert listed(client) == [here.pk]
    for name in TALK_PAGES:
        assert client.get(url(name, there)).status_code == 404, name
        assert client.post(url(name, there), {"reason": "x"}).status_code == 404, name
    there.refresh_from_db()
    assert there.status == Presentation.Status.REQUESTED


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR])
def test_agency_wide_roles_see_every_school_s_talks(client, world_a, role):
    here = requested(world_a)
    there = requested(world_a, school=world_a.other_school)
    signed_in(client, world_a.users[role])
    assert set(listed(client)) == {here.pk, there.pk}
    assert client.get(url("presentations:detail", there)).status_code == 200


@pytest.mark.parametrize("role", Role.values)
def test_another_agency_s_talks_answer_404_on_every_page(client, world_a, world_b, role):
    talk = scheduled(world_b, requested(world_b), when=timezone.now() + timedelta(hours=1))
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        signed_in(client, world_a.users[role])
        for name in TALK_PAGES:
            assert client.get(url(name, talk)).status_code == 404, name
            forged = {**schedule_form(world_a), **deliver_form(), "reason": "Forged"}
            assert client.post(url(name, talk), forged).status_code == 404, name
        assert listed(client) == []
    talk.refresh_from_db()
    assert talk.status == Presentation.Status.SCHEDULED


def test_a_school_admin_may_not_schedule_or_record_delivery(client, world_a):
    talk = scheduled(world_a, requested(world_a), when=timezone.now() + timedelta(hours=1))
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        signed_in(client, world_a.school_admin)
        detail = text(client.get(url("presentations:detail", talk)))
        assert url("presentations:schedule", talk) not in detail
        assert url("presentations:deliver", talk) not in detail
        assert url("presentations:cancel", talk) in detail
        for name in ("presentations:schedule", "presentations:deliver"):
            assert client.get(url(name, talk)).status_code == 403, name
        data = schedule_form(world_a, scheduled_at=local(at_local(world_a, 20), world_a))
        assert client.post(url("presentations:schedule", talk), data).status_code == 403
        assert client.post(url("presentations:deliver", talk), deliver_form()).status_code == 403
    talk.refresh_from_db()
    assert talk.status == Presentation.Status.SCHEDULED
    assert not Feedback.objects.exists()


# --- Feedback on the detail page ----------------------------------------------------------------


def answered_feedback(world, requester):
    return FeedbackFactory(
        presentation__school=world.school,
        presentation__requested_by=requester,
        answered_at=timezone.now(),
        usefulness=4,
        fit=2,
        comment="The students asked about it for days.",
    )


@pytest.mark.parametrize("role", SCHEDULERS)
def test_police_roles_read_the_feedback(client, world_a, role):
    feedback = answered_feedback(world_a, world_a.school_admin)
    signed_in(client, world_a.users[role])
    page = text(client.get(url("presentations:detail", feedback.presentation)))
    assert "The students asked about it for days." in page
    assert "4 of 5" in page and "2 of 5" in page


def test_the_school_admin_who_asked_reads_the_feedback_and_other_school_admins_do_not(
    client, world_a
):
    feedback = answered_feedback(world_a, world_a.school_admin)
    talk = feedback.presentation
    signed_in(client, world_a.school_admin)
    assert "The students asked about it for days." in text(
        client.get(url("presentations:detail", talk))
    )

    colleague = SchoolMembershipFactory(school=world_a.school).user
    signed_in(client, colleague)
    page = client.get(url("presentations:detail", talk))
    assert page.status_code == 200
    assert "The students asked about it for days." not in text(page)
    assert "4 of 5" not in text(page)


def test_the_feedback_says_when_the_link_expired_unanswered(client, world_a):
    feedback = FeedbackFactory(
        presentation__school=world_a.school, expires_at=timezone.now() - timedelta(days=1)
    )
    signed_in(client, world_a.supervisor)
    page = text(client.get(url("presentations:detail", feedback.presentation)))
    assert "expired" in page
    assert "not answered yet" not in page


@pytest.mark.parametrize("role", Role.values)
def test_the_feedback_link_is_never_on_the_detail_page(client, world_a, role):
    talk = delivered(world_a, requested(world_a))
    feedback = Feedback.objects.get(presentation=talk)
    token = feedback_token(feedback)
    signed_in(client, world_a.users[role])

    page = text(client.get(url("presentations:detail", talk)))

    assert token not in page
    assert reverse("presentations:feedback", args=[token]) not in page
    assert feedback.key.hex not in page and str(feedback.key) not in page


# --- The list -----------------------------------------------------------------------------------


def test_the_list_filters_by_status_school_and_topic(client, world_a):
    vaping, driving = topic_of(world_a, title="Vaping"), topic_of(world_a, title="Safe driving")
    waiting = requested(world_a, topic=vaping)
    planned = scheduled(world_a, requested(world_a, topic=driving))
    elsewhere = requested(world_a, school=world_a.other_school, topic=vaping)
    signed_in(client, world_a.supervisor)

    def on_the_list(**params) -> set[int]:
        return set(listed(client, **params))

    every = {waiting.pk, planned.pk, elsewhere.pk}
    assert on_the_list() == every
    assert on_the_list(status="scheduled") == {planned.pk}
    assert on_the_list(school=world_a.school.pk) == {waiting.pk, planned.pk}
    assert on_the_list(topic=vaping.pk) == {waiting.pk, elsewhere.pk}
    assert on_the_list(topic=vaping.pk, school=world_a.other_school.pk) == {elsewhere.pk}
    # Values that do not parse, or name what the user does not see, are ignored.
    response = client.get(reverse("presentations:list"), {"school": "abc", "status": "x"})
    assert response.status_code == 200
    assert on_the_list(school="abc", status="x") == every
    assert on_the_list(topic="99999999999999999999999") == every


def test_the_list_shows_dates_on_the_agency_s_clock_and_the_preferred_window(client, world_a):
    when = at_local(world_a, 9, 8, 45)
    planned = scheduled(world_a, requested(world_a), when=when)
    waiting = requested(world_a)
    signed_in(client, world_a.sro)
    page = text(client.get(reverse("presentations:list")))
    assert shown(when, world_a) in page
    assert formats.date_format(waiting.preferred_to, "DATE_FORMAT") in page
    assert str(world_a.sro) in page
    assert url("presentations:detail", planned) in page


def test_an_empty_list_says_what_to_do_first(client, world_a):
    signed_in(client, world_a.admin)
    page = text(client.get(reverse("presentations:list")))
    assert reverse("presentations:topics") in page
    assert "Add topics to the catalogue" in page

    topic_of(world_a)
    page = text(client.get(reverse("presentations:list")))
    assert "Request the first one" in page

    signed_in(client, world_a.supervisor)
    page = text(client.get(reverse("presentations:list")))
    assert "Request the first one" not in page


def _queries(client, page) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(page).status_code == 200
    return len(captured)


def test_the_list_s_queries_do_not_grow_with_the_talks(client, world_a):
    scheduled(world_a, requested(world_a))
    signed_in(client, world_a.supervisor)
    client.get(reverse("presentations:list"))  # warm the content-type cache
    one = _queries(client, reverse("presentations:list"))

    second_sro = UserFactory(agency=world_a.agency, role=Role.SRO)
    for number in range(14):
        school = world_a.school if number % 2 else world_a.other_school
        talk = PresentationFactory(school=school, topic=topic_of(world_a))
        if number % 3:
            talk.status = Presentation.Status.SCHEDULED
            talk.scheduled_at = timezone.now() + timedelta(days=number + 1)
            talk.save()
            talk.presenters.add(
                world_a.sro, second_sro, through_defaults={"agency": world_a.agency}
            )
    many = _queries(client, reverse("presentations:list"))

    # The session and user, the notifications count, the filters' schools and topics, the rows'
    # count and the rows with their names and presenters.
    assert many == one <= 7
    assert len(client.get(reverse("presentations:list")).context["page"].object_list) == 15
