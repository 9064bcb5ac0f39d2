"""Without Redis, `runserver` sends due reminders itself, on a timer thread."""

import sys
import time

import pytest
from django.core import mail

from sro_portal.reminders import local_timer
from sro_portal.reminders.models import Reminder
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_runserver_sends_due_reminders_on_a_timer(world_a, settings, monkeypatch):
    settings.REMINDERS_LOCAL_TIMER = True
    monkeypatch.setattr(sys, "argv", ["manage.py", "runserver", "--noreload"])
    monkeypatch.setattr(local_timer, "INTERVAL_SECONDS", 0.05)
    reminder = factories.ReminderFactory(obj=world_a.school, recipient=world_a.sro)

    thread = local_timer.start_if_wanted()
    try:
        deadline = time.monotonic() + 10
        while not mail.outbox and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        local_timer.stop()
        thread.join(timeout=5)
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.SENT
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("argv", "enabled"),
    [
        (["manage.py", "migrate"], True),
        (["manage.py", "runserver"], True),  # the autoreloader's parent process
        (["manage.py", "runserver", "--noreload"], False),
    ],
)
def test_the_timer_runs_only_in_the_serving_process_of_the_demo(
    settings, monkeypatch, argv, enabled
):
    settings.REMINDERS_LOCAL_TIMER = enabled
    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.delenv("RUN_MAIN", raising=False)
    assert local_timer.start_if_wanted() is None
