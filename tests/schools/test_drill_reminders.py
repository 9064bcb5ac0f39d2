"""The schools app's reminders, delivered by the engine."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from schools import reminders, services
from schools.models import DrillKind, DrillRule
from sro_portal.reminders import services as engine
from sro_portal.reminders.models import Reminder
from tests import factories

pytestmark = pytest.mark.django_db


def _dispatch(capture, now):
    with time_machine.travel(now, tick=False), capture(execute=True):
        engine.dispatch_due(now)


def test_upcoming_reminders_skip_what_is_already_past(world_a):
    soon = timezone.now() + timedelta(days=3)
    drill = services.drill_schedule(
        actor=world_a.sro,
        school=world_a.school,
        kind=DrillKind.LOCKDOWN,
        planned_at=soon,
        announced=False,
        leader=world_a.sro,
    )
    kinds = set(
        Reminder.objects.filter(object_id=str(drill.pk), kind__startswith="drills.u").values_list(
            "kind", flat=True
        )
    )
    assert kinds == {reminders.UPCOMING_DAY}


def test_a_drill_reminder_is_not_sent_once_recorded(world_a, django_capture_on_commit_callbacks):
    planned = timezone.now() + timedelta(days=10)
    drill = services.drill_schedule(
        actor=world_a.sro,
        school=world_a.school,
        kind=DrillKind.LOCKDOWN,
        planned_at=planned,
        announced=True,
        leader=world_a.sro,
    )
    # Recorded early (straight in the table, as a stale reminder would find it).
    type(drill).objects.filter(pk=drill.pk).update(status="completed")
    _dispatch(django_capture_on_commit_callbacks, planned + timedelta(days=2))
    sent = [m.subject for m in mail.outbox]
    assert not any("not recorded" in subject for subject in sent)


def test_upcoming_drill_email_names_no_one(world_a, django_capture_on_commit_callbacks):
    planned = timezone.now() + timedelta(days=10)
    services.drill_schedule(
        actor=world_a.school_admin,
        school=world_a.school,
        kind=DrillKind.EVACUATION,
        planned_at=planned,
        announced=True,
        leader=world_a.sro,
    )
    _dispatch(django_capture_on_commit_callbacks, planned - timedelta(days=6))
    assert len(mail.outbox) == 2  # the leader and the school admin
    for message in mail.outbox:
        assert world_a.school.name in message.subject
        assert world_a.sro.full_name not in message.body


def _term_rule(world):
    DrillRule.objects.create(
        agency=world.agency,
        board=world.school.board,
        kind=DrillKind.EVACUATION,
        period="term",
        required=3,
    )


def test_compliance_warning_three_weeks_before_the_term_ends(
    world_a, django_capture_on_commit_callbacks
):
    _term_rule(world_a)
    tz = world_a.agency.tzinfo
    with time_machine.travel(datetime(2026, 12, 1, 12, tzinfo=tz), tick=False):
        reminders.schedule_compliance_check(world_a.school)
    check = Reminder.objects.filter(kind=reminders.COMPLIANCE_AT_RISK)
    assert {r.recipient for r in check} == {world_a.school_admin, world_a.sro}
    due = check.first().due_at.astimezone(tz)
    assert (due.date(), due.time()) == (date(2027, 1, 10), time(9, 0))  # Jan 31 - 21 days

    _dispatch(django_capture_on_commit_callbacks, due)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world_a.school_admin.email, world_a.sro.email]
    )
    # The next term's check is already waiting.
    nxt = Reminder.objects.filter(kind=reminders.COMPLIANCE_AT_RISK, state="pending").first()
    assert nxt.due_at.astimezone(tz).date() == date(2027, 6, 9)


def test_no_warning_for_a_school_on_track(world_a, django_capture_on_commit_callbacks):
    _term_rule(world_a)
    tz = world_a.agency.tzinfo
    for day in (date(2026, 9, 20), date(2026, 10, 20), date(2026, 11, 20)):
        factories.DrillFactory(
            school=world_a.school,
            kind=DrillKind.EVACUATION,
            status="completed",
            planned_at=datetime.combine(day, time(10), tzinfo=tz),
            started_at=datetime.combine(day, time(10), tzinfo=tz),
        )
    with time_machine.travel(datetime(2026, 12, 1, 12, tzinfo=tz), tick=False):
        reminders.schedule_compliance_check(world_a.school)
    due = Reminder.objects.filter(kind=reminders.COMPLIANCE_AT_RISK).first().due_at
    _dispatch(django_capture_on_commit_callbacks, due)
    assert mail.outbox == []
    assert (
        Reminder.objects.filter(kind=reminders.COMPLIANCE_AT_RISK, state="cancelled").count() == 2
    )
