"""The reminders engine: written with the change, sent once, honouring each user's choices."""

import smtplib
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone, translation

from sro_portal.accounts import services as account_services
from sro_portal.accounts.models import Role
from sro_portal.accounts.reminders import INVITATION_EXPIRING
from sro_portal.reminders import services, tasks
from sro_portal.reminders.models import Reminder
from sro_portal.reminders.timing import at_local_time
from tests.conftest import TEST_KIND

pytestmark = pytest.mark.django_db


def _schedule(world, *, due_at=None, recipient=None, obj=None):
    return services.reminder_schedule(
        kind=TEST_KIND,
        obj=obj or world.school,
        recipient=recipient or world.sro,
        due_at=due_at or timezone.now() - timedelta(minutes=1),
    )


def _run_dispatcher(capture, now=None):
    """One beat run, with the worker tasks it enqueues run after commit (eagerly)."""
    with capture(execute=True):
        batches = services.dispatch_due(now)
    with capture(execute=True):
        services.dispatch_digests(now)
    return batches


def _sent_ids():
    return [
        int(m.extra_headers["X-SRO-Reminder"])
        for m in mail.outbox
        if "X-SRO-Reminder" in m.extra_headers
    ]


# --- Written with the change --------------------------------------------------------------------


def test_a_rolled_back_change_leaves_no_reminder(world_a):
    with pytest.raises(RuntimeError), transaction.atomic():
        _schedule(world_a)
        raise RuntimeError("the change failed")
    assert not Reminder.objects.exists()


def test_scheduling_again_moves_the_pending_reminder(world_a):
    first = _schedule(world_a, due_at=timezone.now() + timedelta(days=2))
    later = timezone.now() + timedelta(days=5)
    second = _schedule(world_a, due_at=later)
    assert second.pk == first.pk
    assert Reminder.objects.get().due_at == later


def test_a_recipient_of_another_agency_is_refused(world_a, world_b):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        _schedule(world_a, recipient=world_b.sro)
    with pytest.raises(PermissionDenied):
        _schedule(world_a, obj=world_b.school)
    assert not Reminder.objects.exists()


def test_an_unregistered_kind_is_refused(world_a):
    with pytest.raises(KeyError):
        services.reminder_schedule(
            kind="nobody.registered",
            obj=world_a.school,
            recipient=world_a.sro,
            due_at=timezone.now(),
        )


def test_invitations_schedule_move_and_cancel_their_reminder(world_a):
    invitation = account_services.invitation_create(
        actor=world_a.admin, email="new@example.test", role=Role.SRO
    )
    reminder = Reminder.objects.get(kind=INVITATION_EXPIRING)
    assert reminder.recipient == world_a.admin
    local = reminder.due_at.astimezone(world_a.agency.tzinfo)
    assert (local.date(), local.time()) == (
        (invitation.expires_at.astimezone(world_a.agency.tzinfo) - timedelta(days=1)).date(),
        time(9, 0),
    )
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        account_services.invitation_resend(actor=world_a.admin, invitation=invitation)
    reminder.refresh_from_db()
    assert reminder.due_at > local and reminder.state == Reminder.State.PENDING
    account_services.invitation_revoke(actor=world_a.admin, invitation=invitation)
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.CANCELLED


# --- Sent once -----------------------------------------------------------------------------------


def test_due_reminder_is_emailed_and_listed_once(world_a, django_capture_on_commit_callbacks):
    reminder = _schedule(world_a)
    _schedule(world_a, due_at=timezone.now() + timedelta(hours=1), obj=world_a.other_school)
    _run_dispatcher(django_capture_on_commit_callbacks)
    _run_dispatcher(django_capture_on_commit_callbacks)
    assert _sent_ids() == [reminder.pk]
    message = mail.outbox[0]
    assert message.to == [world_a.sro.email]
    assert world_a.school.name in message.subject
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.SENT and reminder.read_at is None
    assert reminder.subject == message.subject.removeprefix("[SRO Portal] ")


def test_nothing_leaves_before_the_dispatcher_commits(world_a, django_capture_on_commit_callbacks):
    _schedule(world_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.dispatch_due()
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1


def test_a_task_retried_after_sending_sends_nothing_twice(world_a, monkeypatch):
    reminder = _schedule(world_a)
    Reminder.objects.filter(pk=reminder.pk).update(state=Reminder.State.QUEUED)
    real_finish = services._finish

    def crash_after_sending(reminder, state, **fields):
        raise ConnectionError("the database went away after the email left")

    monkeypatch.setattr(services, "_finish", crash_after_sending)
    with pytest.raises(ConnectionError):
        tasks.deliver_reminders_task.run([reminder.pk])
    monkeypatch.setattr(services, "_finish", real_finish)
    assert tasks.deliver_reminders_task.run([reminder.pk]) == 0  # the retry
    assert _sent_ids() == [reminder.pk]
    # Left SENDING; the dispatcher later marks it failed instead of sending it again.
    services.dispatch_due(timezone.now() + timedelta(hours=1))
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.FAILED
    assert _sent_ids() == [reminder.pk]


def test_a_mail_failure_is_retried_with_backoff_then_shown_to_the_admin(
    world_a, monkeypatch, django_capture_on_commit_callbacks
):
    reminder = _schedule(world_a)

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("no mail server")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    now = timezone.now()
    for attempt in range(1, services.MAX_ATTEMPTS + 1):
        with time_machine.travel(now, tick=False):
            _run_dispatcher(django_capture_on_commit_callbacks, now)
            reminder.refresh_from_db()
            assert reminder.attempts == attempt
            if attempt == services.MAX_ATTEMPTS:
                break
            assert reminder.state == Reminder.State.PENDING
            assert reminder.retry_at - now == timedelta(minutes=2 ** (attempt - 1))
            _run_dispatcher(django_capture_on_commit_callbacks, now)  # too early: nothing
            reminder.refresh_from_db()
            assert reminder.attempts == attempt
        now = reminder.retry_at
    assert reminder.state == Reminder.State.FAILED
    assert "SMTPServerDisconnected" in reminder.last_error
    assert mail.outbox == []


def test_a_mail_server_that_is_down_leaves_the_batch_queued_then_sends_it_once(
    world_a, monkeypatch, django_capture_on_commit_callbacks
):
    reminder = _schedule(world_a)
    with django_capture_on_commit_callbacks(execute=False):
        services.dispatch_due()

    def down(self, *args, **kwargs):
        raise smtplib.SMTPConnectError(421, "mail server down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.open", down)
    with pytest.raises(smtplib.SMTPConnectError):
        services.deliver_reminders([reminder.pk])
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.QUEUED and reminder.attempts == 0
    monkeypatch.undo()
    # Back up: the dispatcher queues it again once the queue timeout has passed.
    later = timezone.now() + services.QUEUED_TIMEOUT + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        _run_dispatcher(django_capture_on_commit_callbacks, later)
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.SENT and reminder.attempts == 1
    assert _sent_ids() == [reminder.pk]


def test_deleted_object_or_inactive_recipient_cancels(world_a, django_capture_on_commit_callbacks):
    reminder = _schedule(world_a, obj=world_a.other_school)
    world_a.other_school.delete()
    _run_dispatcher(django_capture_on_commit_callbacks)
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.CANCELLED and mail.outbox == []


# --- Each user's choices ------------------------------------------------------------------------


def test_in_app_only_kind_sends_no_email(world_a, django_capture_on_commit_callbacks):
    services.reminder_settings_update(user=world_a.sro, email_kinds=[], daily_digest=False)
    reminder = _schedule(world_a)
    _run_dispatcher(django_capture_on_commit_callbacks)
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.SENT and reminder.emailed_at is None
    assert mail.outbox == []


def test_digest_groups_the_day_into_one_email_at_seven(world_a, django_capture_on_commit_callbacks):
    services.reminder_settings_update(user=world_a.sro, email_kinds=[TEST_KIND], daily_digest=True)
    tz = world_a.agency.tzinfo
    day = date(2026, 12, 2)
    first = _schedule(world_a, due_at=at_local_time(tz, day - timedelta(days=1), time(15)))
    second = _schedule(
        world_a,
        due_at=at_local_time(tz, day - timedelta(days=1), time(18)),
        obj=world_a.other_school,
    )
    _run_dispatcher(django_capture_on_commit_callbacks, at_local_time(tz, day, time(6, 59)))
    assert mail.outbox == []  # delivered in the app, waiting for the digest
    _run_dispatcher(django_capture_on_commit_callbacks, at_local_time(tz, day, time(7, 0)))
    _run_dispatcher(django_capture_on_commit_callbacks, at_local_time(tz, day, time(7, 1)))
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.extra_headers["X-SRO-Digest"] == f"{first.pk},{second.pk}"
    assert world_a.school.name in digest.body and world_a.other_school.name in digest.body


def test_the_digest_is_written_in_the_recipient_s_language(
    world_a, django_capture_on_commit_callbacks
):
    """No browser to ask: the digest is in the language the SRO chose (French here), whatever
    the language of the process that sends it."""
    world_a.sro.language = "fr"
    world_a.sro.save(update_fields=["language"])
    services.reminder_settings_update(user=world_a.sro, email_kinds=[TEST_KIND], daily_digest=True)
    tz = world_a.agency.tzinfo
    day = date(2026, 12, 2)
    _schedule(world_a, due_at=at_local_time(tz, day - timedelta(days=1), time(15)))
    with translation.override("en"):
        _run_dispatcher(django_capture_on_commit_callbacks, at_local_time(tz, day, time(7, 0)))
    assert len(mail.outbox) == 1
    assert "Vos rappels pour aujourd'hui (1)" in mail.outbox[0].subject


# --- Daylight-saving days -----------------------------------------------------------------------


@pytest.mark.parametrize("day", [date(2026, 3, 8), date(2026, 11, 1)], ids=["spring", "fall"])
def test_nine_local_fires_once_at_nine_local_on_change_days(
    world_a, day, django_capture_on_commit_callbacks
):
    tz = world_a.agency.tzinfo  # America/Edmonton
    reminder = _schedule(world_a, due_at=at_local_time(tz, day, time(9, 0)))
    start = datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)
    sent_at_local = []
    for minute in range(0, 12 * 60, 5):  # a beat every five minutes from midnight to noon
        now = start + timedelta(minutes=minute)
        with time_machine.travel(now, tick=False):
            before = len(mail.outbox)
            _run_dispatcher(django_capture_on_commit_callbacks, now)
            if len(mail.outbox) > before:
                sent_at_local.append(now.astimezone(tz).time())
    assert sent_at_local == [time(9, 0)]
    assert _sent_ids() == [reminder.pk]


@pytest.mark.parametrize("day", [date(2026, 3, 8), date(2026, 11, 1)], ids=["spring", "fall"])
def test_digest_goes_at_seven_local_on_change_days(
    world_a, day, django_capture_on_commit_callbacks
):
    tz = world_a.agency.tzinfo
    services.reminder_settings_update(user=world_a.sro, email_kinds=[TEST_KIND], daily_digest=True)
    _schedule(world_a, due_at=at_local_time(tz, day - timedelta(days=1), time(12)))
    start = datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)
    sent_at_local = []
    for minute in range(0, 10 * 60, 10):
        now = start + timedelta(minutes=minute)
        before = len(mail.outbox)
        _run_dispatcher(django_capture_on_commit_callbacks, now)
        if len(mail.outbox) > before:
            sent_at_local.append(now.astimezone(tz).time())
    assert sent_at_local == [time(7, 0)]


def test_the_beat_job_queues_each_agency_in_its_own_turn(world_a, world_b):
    """dispatch_due(agency_id=...) takes one agency's reminders, whatever the connection sees
    (the suite's connection bypasses row-level security, as the owner's does)."""
    mine, theirs = _schedule(world_a), _schedule(world_b)
    batches = services.dispatch_due(agency_id=world_a.agency.pk)
    assert batches == [[mine.pk]]
    theirs.refresh_from_db()
    assert theirs.state == Reminder.State.PENDING
    assert services.dispatch_due(agency_id=world_b.agency.pk) == [[theirs.pk]]


@pytest.mark.postgres  # elsewhere (SQLite) there are no turns: one sweep of every agency
def test_the_beat_task_queues_only_the_agency_whose_turn_it_is(world_a, world_b, monkeypatch):
    """The Celery task itself: after each agency's turn, only that agency's reminders (and the
    turns' before it) have left PENDING, though the suite's connection sees every agency."""
    reminders = {world.agency.pk: _schedule(world).pk for world in (world_a, world_b)}
    left_pending_after = {}
    in_turn = tasks.rls.agencies_in_turn

    def turns():
        for agency_id in in_turn():
            yield agency_id
            moved = Reminder.objects.exclude(state=Reminder.State.PENDING)
            left_pending_after[agency_id] = set(moved.values_list("pk", flat=True))

    monkeypatch.setattr(tasks.rls, "agencies_in_turn", turns)
    assert tasks.dispatch_due_reminders_task() == 2
    first, second = sorted(reminders)  # turns go by agency id
    assert left_pending_after[first] == {reminders[first]}
    assert left_pending_after[second] == {reminders[first], reminders[second]}
