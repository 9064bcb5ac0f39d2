"""Real Celery worker processes for the integration tests, against the test database.

Threads inside the test process (celery.contrib.testing) shared its clock, its cache and its
connections with everything else the suite does, and now and then stopped consuming; separate
processes are what production runs.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from bench.smtp_sink import SmtpSink
from sro_portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60


def _database_url() -> str:
    """The test database (pytest-django renamed it), as a URL for the workers' settings."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _environment(smtp_port: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=_database_url(),
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_port),
        SMTP_USE_TLS="0",
        PYTHONPATH=str(ROOT),
    )
    return env


@contextlib.contextmanager
def celery_workers(*, count: int):
    sink = SmtpSink(header="X-SRO-Reminder")
    env = _environment(sink.start())
    celery_app.control.purge()  # tasks an interrupted run left in the tests' queue
    names = [f"tests{n}" for n in range(1, count + 1)]
    workers = [_start(env, name) for name in names]
    try:
        _wait_until_ready(workers, names)
        yield sink
    finally:
        _stop(workers)
        sink.stop()


def _start(env, name) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "celery", "-A", "sro_portal", "worker",
        "-I", "tests.reminder_kinds", "--pool=prefork", "--concurrency=1",
        "-n", f"{name}@%h", "--without-mingle", "--without-gossip", "--loglevel=WARNING",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def _wait_until_ready(workers, names) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if any(worker.poll() is not None for worker in workers):
            raise RuntimeError("A Celery worker exited at start.")
        replies = celery_app.control.ping(timeout=1.0) or []
        answered = {name.split("@")[0] for reply in replies for name in reply}
        if answered >= set(names):
            return
    raise RuntimeError(f"The Celery workers did not answer within {START_TIMEOUT} s.")


def _stop(workers) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)  # warm shutdown: finish the task at hand
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def seed_due_reminders(world, *, schools: int, recipients: int, name="Bulk") -> list[int]:
    """One due reminder of the test kind per (new school, new recipient) pair, bulk-created in
    `world`'s agency; returns their ids."""
    from datetime import timedelta

    from schools.models import School
    from sro_portal.reminders.models import Reminder
    from tests import factories
    from tests.reminder_kinds import TEST_KIND

    board = world.school.board
    made = School.objects.bulk_create(
        School(agency=world.agency, board=board, name=f"{name} School {i}") for i in range(schools)
    )
    users = [factories.UserFactory(agency=world.agency) for _ in range(recipients)]
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
        for school in made
        for user in users
    )
    return [reminder.pk for reminder in reminders]
