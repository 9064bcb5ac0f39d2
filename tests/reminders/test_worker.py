"""At scale, through Redis and real Celery workers: 10,000 due reminders, each sent once, with two
dispatchers started at the same moment and two workers taking the batches."""

import threading
import time
from collections import Counter

import pytest
from django.db import close_old_connections

from sro_portal.reminders import services
from sro_portal.reminders.models import Reminder
from tests import workers

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

SCHOOLS, RECIPIENTS = 200, 50  # 10,000 (school, recipient) pairs, one reminder each
# Two Celery worker processes (tests/workers.py) send through an SMTP sink in this process.


def _dispatch_in_thread(barrier, results):
    barrier.wait()
    try:
        results.append(services.dispatch_due())
    finally:
        close_old_connections()


def test_ten_thousand_reminders_each_sent_once(world_a, real_workers):
    expected = set(workers.seed_due_reminders(world_a, schools=SCHOOLS, recipients=RECIPIENTS))
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
