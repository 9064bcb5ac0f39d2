"""At scale, through Redis and real Celery workers: 10,000 due reminders, each sent once, with two
dispatchers started at the same moment and two workers taking the batches."""

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import close_old_connections
from django.utils import timezone

from schools.models import School
from sro_portal.reminders import services
from sro_portal.reminders.models import Reminder
from tests import factories
from tests.conftest import TEST_KIND

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

SCHOOLS, RECIPIENTS = 200, 50  # 10,000 (school, recipient) pairs, one reminder each
# Two Celery worker processes (tests/workers.py) send through an SMTP sink in this process.


def _seed_due_reminders(world) -> set[int]:
    board = world.school.board
    schools = School.objects.bulk_create(
        School(agency=world.agency, board=board, name=f"Bulk School {i}") for i in range(SCHOOLS)
    )
    users = [factories.UserFactory(agency=world.agency) for _ in range(RECIPIENTS)]
    content_type = ContentType.objects.get_for_model(School)
    due = timezone.now() - timedelta(minutes=1)
    reminders = Reminder.objects.bulk_create(
        Reminder(
            agency=world.agency,
            kind=TEST_KIND,
            content_type=content_type,
            object_id=str(school.pk),
            recipient=user,
            due_at=due,
        )
        for school in schools
        for user in users
    )
    return {reminder.pk for reminder in reminders}


def _dispatch_in_thread(barrier, results):
    barrier.wait()
    try:
        results.append(services.dispatch_due())
    finally:
        close_old_connections()


def test_ten_thousand_reminders_each_sent_once(world_a, real_workers):
    expected = _seed_due_reminders(world_a)
    assert len(expected) == 10_000

    barrier, results = threading.Barrier(2), []
    dispatchers = [
        threading.Thread(target=_dispatch_in_thread, args=(barrier, results)) for _ in range(2)
    ]
    for thread in dispatchers:
        thread.start()
    for thread in dispatchers:
        thread.join()
    queued = [reminder_id for batches in results for batch in batches for reminder_id in batch]
    assert sorted(queued) == sorted(expected)  # between them, each queued exactly once

    sink = real_workers
    deadline = time.monotonic() + 180
    while sink.count < len(expected) and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(2)  # anything sent twice would arrive now
    sent = Counter(int(value) for value in sink.values())
    states = Counter(Reminder.objects.values_list("state", flat=True))
    assert set(sent) == expected, f"{len(sent)} sent; reminder states: {dict(states)}"
    assert max(sent.values()) == 1
    assert Reminder.objects.filter(state=Reminder.State.SENT).count() == len(expected)
