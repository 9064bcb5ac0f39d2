"""Presentation rules at the service level: who may do what, the status moves, the schedule's
history, the feedback link's single use, and the reminders each move leaves behind."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from presentations import reminders, services
from presentations.models import Feedback, Presentation, ScheduleChange, Topic
from presentations.tokens import feedback_key_from_token, feedback_token
from sro_portal.reminders import services as engine
from sro_portal.reminders.models import Reminder
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic(world_a):
    return factories.TopicFactory(agency=world_a.agency, title="Vaping")


def _request(world, topic, *, actor=None, school=None, **extra):
    today = world.agency.today()
    fields = {
        "classes": "8A and 8B",
        "grade_from": 8,
        "grade_to": 8,
        "expected_students": 52,
        "preferred_from": today + timedelta(days=7),
        "preferred_to": today + timedelta(days=21),
        "needs": "Vaping in the washrooms.",
    } | extra
    return services.presentation_request(
        actor=actor or world.school_admin, school=school or world.school, topic=topic, **fields
    )


def _schedule(world, talk, *, actor=None, when=None, **extra):
    fields = {
        "scheduled_at": when or timezone.now() + timedelta(days=10),
        "room": "Library",
        "presenters": [world.sro],
    } | extra
    return services.presentation_schedule(actor=actor or world.sro, presentation=talk, **fields)


def _deliver(world, talk, **extra):
    fields = {"students_reached": 48, "classes_reached": "8A, 8B"} | extra
    return services.presentation_deliver(actor=world.sro, presentation=talk, **fields)


def _live_kinds(obj) -> dict[str, set[int]]:
    live = Reminder.objects.filter(
        # The content type too: a talk and its feedback can have the same id (on SQLite they do).
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        state="pending",
        kind__startswith="presentations.",
    )
    kinds: dict[str, set[int]] = {}
    for kind, recipient in live.values_list("kind", "recipient_id"):
        kinds.setdefault(kind, set()).add(recipient)
    return kinds


# --- Requests -----------------------------------------------------------------------------------


def test_school_admins_and_sros_request_for_their_own_schools_only(world_a, topic):
    assert _request(world_a, topic).status == Presentation.Status.REQUESTED
    assert _request(world_a, topic, actor=world_a.sro).requested_by == world_a.sro
    for actor in (world_a.school_admin, world_a.sro, world_a.supervisor):
        with pytest.raises(PermissionDenied):
            _request(world_a, topic, actor=actor, school=world_a.other_school)
    assert Presentation.objects.count() == 2


def test_a_request_is_for_an_offered_topic_of_the_agency_and_dates_to_come(world_a, world_b, topic):
    retired = factories.TopicFactory(agency=world_a.agency, is_active=False)
    foreign = factories.TopicFactory(agency=world_b.agency)
    for other in (retired, foreign):
        with pytest.raises(ValidationError) as error:
            _request(world_a, other)
        assert "topic" in error.value.message_dict
    today = world_a.agency.today()
    cases = [
        ({"preferred_from": today + timedelta(days=9), "preferred_to": today}, "preferred_to"),
        ({"preferred_from": today - timedelta(9), "preferred_to": today - timedelta(1)}, None),
        ({"grade_from": 9, "grade_to": 7}, "grade_to"),
        ({"expected_students": 0}, "expected_students"),
    ]
    for extra, field in cases:
        with pytest.raises(ValidationError) as error:
            _request(world_a, topic, **extra)
        assert (field or "preferred_to") in error.value.message_dict
    assert not Presentation.objects.exists()


def test_a_closed_school_takes_no_request(world_a, topic):
    world_a.school.is_active = False
    world_a.school.save()
    with pytest.raises(ValidationError) as error:
        _request(world_a, topic)
    assert "school" in error.value.message_dict
    assert not Presentation.objects.exists()


def test_a_request_asks_the_school_s_primary_sro_after_a_week(world_a, topic):
    talk = _request(world_a, topic)
    assert _live_kinds(talk) == {reminders.REQUEST_WAITING: {world_a.sro.pk}}
    due = _reminder_of(talk).get().due_at
    local = timezone.localtime(due, world_a.agency.tzinfo)
    asked = timezone.localtime(talk.created_at, world_a.agency.tzinfo).date()
    assert (local.date() - asked).days == 7 and local.hour == 9


def test_a_school_without_a_primary_sro_has_its_requests_watched_by_supervisors(world_a, topic):
    talk = _request(world_a, topic, actor=world_a.admin, school=world_a.other_school)
    assert _live_kinds(talk) == {reminders.REQUEST_WAITING: {world_a.supervisor.pk}}


# --- Scheduling ---------------------------------------------------------------------------------


def test_scheduling_sets_the_plan_and_the_reminders_of_the_talk(world_a, topic):
    talk = _request(world_a, topic)
    _schedule(world_a, talk)
    talk.refresh_from_db()
    assert talk.status == Presentation.Status.SCHEDULED
    assert list(talk.presenters.all()) == [world_a.sro]
    people = {world_a.sro.pk, world_a.school_admin.pk}
    assert _live_kinds(talk) == {
        reminders.UPCOMING_3_DAYS: people,
        reminders.UPCOMING_1_DAY: people,
    }


def test_only_police_of_the_school_schedule(world_a, world_b, topic):
    talk = _request(world_a, topic)
    outsider = factories.UserFactory(agency=world_a.agency, role="sro")  # not assigned here
    for actor in (world_a.school_admin, outsider, world_b.sro):
        with pytest.raises(PermissionDenied):
            _schedule(world_a, talk, actor=actor)
    _schedule(world_a, talk, actor=world_a.supervisor)
    talk.refresh_from_db()
    assert talk.status == Presentation.Status.SCHEDULED


def test_a_plan_needs_a_presenter_of_the_agency_a_partner_of_it_and_a_time_to_come(
    world_a, world_b, topic
):
    talk = _request(world_a, topic)
    school_admin_as_presenter = [world_a.school_admin]
    cases = [
        ({"presenters": []}, "presenters"),
        ({"presenters": school_admin_as_presenter}, "presenters"),
        ({"presenters": [world_b.sro]}, "presenters"),
        ({"partner": factories.CommunityPartnerFactory(agency=world_b.agency)}, "partner"),
        ({"when": timezone.now() - timedelta(hours=1)}, "scheduled_at"),
    ]
    for extra, field in cases:
        with pytest.raises(ValidationError) as error:
            _schedule(world_a, talk, **extra)
        assert field in error.value.message_dict
    talk.refresh_from_db()
    assert talk.status == Presentation.Status.REQUESTED and talk.scheduled_at is None


def test_moving_a_talk_needs_a_reason_and_keeps_the_old_plan(world_a, topic):
    talk = _request(world_a, topic)
    first = timezone.now() + timedelta(days=10)
    _schedule(world_a, talk, when=first)
    later = first + timedelta(days=2)
    with pytest.raises(ValidationError) as error:
        _schedule(world_a, talk, when=later)
    assert "reason" in error.value.message_dict
    _schedule(world_a, talk, when=later, room="Gym", reason="Exams moved")
    change = ScheduleChange.objects.get(presentation=talk)
    assert (change.previous_at, change.previous_room, change.new_at) == (first, "Library", later)
    assert change.reason == "Exams moved" and change.changed_by == world_a.sro
    # The same plan again is no move.
    _schedule(world_a, talk, when=later, room="Gym")
    assert ScheduleChange.objects.filter(presentation=talk).count() == 1


def test_a_moved_talk_s_reminders_move_with_it(world_a, topic):
    talk = _request(world_a, topic)
    first = timezone.now() + timedelta(days=10)
    _schedule(world_a, talk, when=first)
    _schedule(world_a, talk, when=first + timedelta(days=7), reason="Field trip")
    due = Reminder.objects.filter(
        object_id=str(talk.pk), kind=reminders.UPCOMING_1_DAY, state="pending"
    ).values_list("due_at", flat=True)
    tz = world_a.agency.tzinfo
    expected = timezone.localtime(first + timedelta(days=6), tz).date()
    assert {timezone.localtime(moment, tz).date() for moment in due} == {expected}


# --- Delivery and cancellation ------------------------------------------------------------------


def test_delivery_is_recorded_once_the_talk_started_and_asks_for_feedback(world_a, topic):
    talk = _request(world_a, topic)
    when = timezone.now() + timedelta(days=2)
    _schedule(world_a, talk, when=when)
    with pytest.raises(ValidationError):
        _deliver(world_a, talk)
    with time_machine.travel(when + timedelta(hours=1), tick=False):
        _deliver(world_a, talk, tailoring="Used the school's own incidents")
    talk.refresh_from_db()
    assert talk.status == Presentation.Status.DELIVERED and talk.students_reached == 48
    assert talk.delivered_by == world_a.sro
    feedback = Feedback.objects.get(presentation=talk)
    assert feedback.answered_at is None and feedback.expires_at > when + timedelta(days=29)
    assert _live_kinds(talk) == {}  # no "coming up" left
    assert _live_kinds(feedback) == {reminders.FEEDBACK_REQUEST: {world_a.school_admin.pk}}


def test_a_delivered_or_cancelled_talk_cannot_be_moved_or_cancelled(world_a, topic):
    talk = _request(world_a, topic)
    services.presentation_cancel(actor=world_a.school_admin, presentation=talk, reason="Exams")
    with pytest.raises(ValidationError):
        _schedule(world_a, talk)
    with pytest.raises(ValidationError):
        services.presentation_cancel(actor=world_a.sro, presentation=talk, reason="Again")
    talk.refresh_from_db()
    assert talk.cancel_reason == "Exams" and talk.cancelled_by == world_a.school_admin


def test_cancelling_needs_a_reason_and_ends_every_reminder(world_a, topic):
    talk = _request(world_a, topic)
    _schedule(world_a, talk)
    with pytest.raises(ValidationError) as error:
        services.presentation_cancel(actor=world_a.sro, presentation=talk, reason="  ")
    assert "cancel_reason" in error.value.message_dict
    services.presentation_cancel(actor=world_a.sro, presentation=talk, reason="School closed")
    assert _live_kinds(talk) == {}
    outsider = factories.SchoolMembershipFactory(
        agency=world_a.agency, school=world_a.other_school
    ).user
    other = _request(world_a, topic)
    with pytest.raises(PermissionDenied):
        services.presentation_cancel(actor=outsider, presentation=other, reason="Not mine")


# --- Feedback -----------------------------------------------------------------------------------


def _delivered(world, topic) -> Feedback:
    talk = _request(world, topic)
    when = timezone.now() + timedelta(days=1)
    _schedule(world, talk, when=when)
    with time_machine.travel(when + timedelta(hours=2), tick=False):
        _deliver(world, talk)
    return Feedback.objects.get(presentation=talk)


def test_feedback_is_taken_once(world_a, topic):
    feedback = _delivered(world_a, topic)
    services.feedback_answer(feedback=feedback, usefulness=5, fit=4, comment=" Great ")
    with pytest.raises(services.FeedbackClosed):
        services.feedback_answer(feedback=feedback, usefulness=1, fit=1, comment="Changed")
    feedback.refresh_from_db()
    assert (feedback.usefulness, feedback.fit, feedback.comment) == (5, 4, "Great")
    assert _live_kinds(feedback) == {}


def test_expired_feedback_changes_nothing(world_a, topic):
    feedback = _delivered(world_a, topic)
    expired = time_machine.travel(feedback.expires_at + timedelta(seconds=1), tick=False)
    with expired, pytest.raises(services.FeedbackClosed):
        services.feedback_answer(feedback=feedback, usefulness=3, fit=3)
    feedback.refresh_from_db()
    assert feedback.answered_at is None and feedback.usefulness is None


@pytest.mark.parametrize("scores", [(0, 3), (3, 6), (None, 3)])
def test_feedback_scores_are_1_to_5(world_a, topic, scores):
    feedback = _delivered(world_a, topic)
    with pytest.raises(ValidationError):
        services.feedback_answer(feedback=feedback, usefulness=scores[0], fit=scores[1])
    feedback.refresh_from_db()
    assert feedback.answered_at is None


def test_the_token_names_the_row_and_a_changed_token_names_nothing(world_a, topic):
    feedback = _delivered(world_a, topic)
    token = feedback_token(feedback)
    assert feedback_key_from_token(token) == feedback.key
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert feedback_key_from_token(tampered) is None
    assert feedback_key_from_token("x" * 500) is None


def _reminder_of(thing):
    """The reminders of one row: its type and id (a talk and its feedback may share an id)."""
    return Reminder.objects.filter(
        content_type=ContentType.objects.get_for_model(thing), object_id=str(thing.pk)
    )


def test_the_feedback_email_carries_the_link_and_no_names(
    world_a, topic, django_capture_on_commit_callbacks
):
    feedback = _delivered(world_a, topic)
    now = _reminder_of(feedback).get().due_at + timedelta(minutes=1)
    with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
        engine.dispatch_due(now)
    [email] = [m for m in mail.outbox if "How was" in m.subject]
    assert email.to == [world_a.school_admin.email]
    [token] = re.findall(r"/presentations/feedback/([^/\s]+)/", email.body)
    assert feedback_key_from_token(token) == feedback.key
    assert world_a.sro.full_name not in email.body
    # Answered before the reminder went out: it is not sent.
    second = _delivered(world_a, topic)
    services.feedback_answer(feedback=second, usefulness=4, fit=4)
    assert not _reminder_of(second).filter(state="pending").exists()


# --- The catalogue ------------------------------------------------------------------------------


def test_the_catalogue_is_kept_by_admins_and_supervisors(world_a):
    for actor in (world_a.sro, world_a.school_admin):
        with pytest.raises(PermissionDenied):
            services.topics_add_standard(actor=actor)
    added = services.topics_add_standard(actor=world_a.supervisor)
    assert len(added) == len(services.STANDARD_TOPICS) == 7
    assert services.topics_add_standard(actor=world_a.admin) == []
    assert Topic.objects.filter(agency=world_a.agency).count() == 7


def test_a_topic_of_another_agency_cannot_be_saved_over(world_a, world_b):
    theirs = factories.TopicFactory(agency=world_b.agency)
    theirs.title = "Taken over"
    with pytest.raises(PermissionDenied):
        services.topic_save(actor=world_a.admin, topic=theirs)
    theirs.refresh_from_db()
    assert theirs.title != "Taken over"
