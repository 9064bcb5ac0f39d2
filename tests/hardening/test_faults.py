"""Faults in background work, with real Celery worker processes and a real Redis.

- A worker killed with SIGKILL in the middle of a reminder batch: once a new worker takes over
  and the dispatcher runs again (time moved past the engine's timeouts), every reminder is sent
  exactly once, or, where the dead worker may already have handed it to the mail server, it is
  FAILED and shown to the agency admin (README: "a send interrupted mid-way is shown to the
  agency admin, never resent"). Nothing stays in flight, nothing arrives twice.
- Redis restarted (a private redis-server of this test, never the shared one) between dispatch
  and delivery, losing its queue, and down while the dispatcher runs: once it is back and the
  dispatcher runs again, every reminder arrives exactly once.
- The PAYOFF purge interrupted in the middle of an agreement and run again: every expired
  agreement is purged once (one tombstone each), nothing else is touched.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta

import kombu.exceptions
import pytest
import redis
import time_machine
from django.conf import settings
from django.utils import timezone

from bench.smtp_sink import SmtpSink
from payoff import services as payoff_services
from payoff.models import Agreement, Basis, CheckIn, PurgedAgreement, Statement, Task, WorkSession
from payoff.tasks import purge_expired_agreements_task
from sro_portal.celery import app as celery_app
from sro_portal.reminders import services, tasks
from sro_portal.reminders.models import Reminder
from sro_portal.reminders.selectors import failed_reminder_qs_for
from tests import workers
from tests.factories import StudentFactory
from tests.payoff.test_check_ins import local_noon, make_agreement
from tests.payoff.test_retention import make_sanction, rows_of

WAIT = 90  # seconds: the most any step may take before the test gives up
DONE = (Reminder.State.SENT, Reminder.State.FAILED, Reminder.State.CANCELLED)


# --- Helpers ------------------------------------------------------------------------------------


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.2)


def states(ids) -> Counter:
    return Counter(Reminder.objects.filter(pk__in=ids).values_list("state", flat=True))


def settled(ids) -> bool:
    return not Reminder.objects.filter(pk__in=ids).exclude(state__in=DONE).exists()


def later(by: timedelta):
    """The dispatcher's clock, moved on (past the engine's timeouts for a lost worker's rows)."""
    return timezone.now() + by


def drain(sink, world) -> None:
    """Wait until the worker has worked through everything queued before now: a sentinel
    reminder, queued last, arrives (one worker, one process, a FIFO queue)."""
    [sentinel] = workers.seed_due_reminders(world, schools=1, recipients=1, name="Sentinel")
    Reminder.objects.filter(pk=sentinel).update(
        state=Reminder.State.QUEUED, queued_at=timezone.now()
    )
    tasks.deliver_reminders_task.delay([sentinel])
    wait_until(lambda: str(sentinel) in sink.values(), "the sentinel reminder")


@contextlib.contextmanager
def worker_process(env, name: str):
    process = workers._start(env, name)
    try:
        workers._wait_until_ready([process], [name])
        yield process
    finally:
        workers._stop([process])


def kill(process) -> None:
    """SIGKILL to the worker and its pool process: no warm shutdown, no ack."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


class StallingSink(SmtpSink):
    """A mail server that accepts `stall_after` messages, takes the next one in and then hangs
    before answering, until released: the worker is caught mid-batch, not knowing whether that
    message went out."""

    def __init__(self, *, stall_after: int):
        super().__init__(header="X-SRO-Reminder")
        self.stall_after = stall_after
        self.stalled = threading.Event()
        self.released = threading.Event()

    def _accept(self, data: bytes) -> None:
        super()._accept(data)
        if self.count == self.stall_after + 1:
            self.stalled.set()
            self.released.wait(timeout=WAIT)  # holds the sink's loop: no reply reaches the worker


@pytest.fixture
def real_broker(transactional_db):
    """The tests' Redis queue, emptied before and after (a killed worker leaves its message
    unacknowledged there)."""
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    yield
    celery_app.control.purge()
    redis.Redis.from_url(celery_app.conf.broker_url).delete("unacked", "unacked_index")


# --- A worker killed mid-batch ------------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.postgres
def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(world_a, real_broker):
    # 250 reminders: batches of 200 and 50.
    ids = workers.seed_due_reminders(world_a, schools=25, recipients=10, name="Fault")
    sink = StallingSink(stall_after=60)
    env = workers._environment(sink.start())
    try:
        with worker_process(env, "fault1") as first:
            batches = services.dispatch_due()
            assert sorted(len(batch) for batch in batches) == [50, 200]
            wait_until(sink.stalled.is_set, "the worker to reach the stalled message")
            kill(first)
        sink.released.set()
        in_flight = sink.values()[-1]  # received by the mail server; the worker died unaware
        assert states(ids)[Reminder.State.SENT] == 60

        with worker_process(env, "fault2"):
            services.dispatch_due(now=later(services.SENDING_TIMEOUT + timedelta(minutes=1)))
            wait_until(lambda: settled(ids), f"every reminder settled: {states(ids)}")
            # Redis redelivering the dead worker's batch sends nothing again.
            for batch in batches:
                tasks.deliver_reminders_task.delay(batch)
            drain(sink, world_a)
    finally:
        sink.released.set()
        sink.stop()

    received = Counter(int(value) for value in sink.values())
    sent = set(
        Reminder.objects.filter(pk__in=ids, state=Reminder.State.SENT).values_list("pk", flat=True)
    )
    failed = set(failed_reminder_qs_for(world_a.admin).values_list("pk", flat=True))
    assert max(received.values()) == 1, "a reminder arrived twice"
    assert sent | failed == set(ids), f"lost: {states(ids)}"
    assert all(received[pk] == 1 for pk in sent)
    # Failed: the message in flight and the rest of the dead worker's claimed batch, each shown
    # to the agency admin with the reason; only the one in flight ever reached the mail server.
    assert int(in_flight) in failed
    assert {pk for pk in failed if received[pk]} == {int(in_flight)}
    assert set(Reminder.objects.filter(pk__in=failed).values_list("last_error", flat=True)) == {
        "Interrupted while sending; not retried, so it cannot arrive twice."
    }


# --- Redis restarted ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test alone, on a free port, keeping nothing on disk: a restart
    loses its queue, as a crashed Redis without persistence does."""

    def __init__(self):
        self.port = free_port()
        self.directory = tempfile.mkdtemp(prefix="sro-portal-redis-")
        self.process = None

    def start(self) -> None:
        command = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", self.directory,
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        wait_until(lambda: _answers(client), "the private redis-server to start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=WAIT)

    def url(self, database: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{database}"


def _answers(client) -> bool:
    with contextlib.suppress(redis.ConnectionError):
        return client.ping()
    return False


@contextlib.contextmanager
def private_redis():
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server")
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.directory, ignore_errors=True)


@contextlib.contextmanager
def broker(url: str):
    """This process's Celery app publishing to `url`. Celery builds its connection pools once,
    for the first URL: they are dropped so the next publish connects to the new one."""
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    _drop_pools()
    try:
        yield
    finally:
        celery_app.conf.broker_url = previous
        _drop_pools()


def _drop_pools() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.mark.redis
@pytest.mark.postgres
def test_redis_restarted_while_reminders_are_due_loses_nothing_and_sends_nothing_twice(
    world_a, real_broker
):
    queue = celery_app.conf.task_default_queue
    database = int(settings.CELERY_BROKER_URL.rsplit("/", 1)[1])
    sink = SmtpSink(header="X-SRO-Reminder")
    env = workers._environment(sink.start())
    try:
        with private_redis() as server, broker(server.url(database)):
            env["REDIS_URL"] = server.url(0)  # tests.settings picks the same database number
            with worker_process(env, "fault3"):
                celery_app.control.cancel_consumer(queue, reply=True)  # hold the delivery back
                queued_first = workers.seed_due_reminders(
                    world_a, schools=4, recipients=10, name="Fault"
                )
                assert [sorted(batch) for batch in services.dispatch_due()] == [
                    sorted(queued_first)
                ]
                server.stop()  # the queued batch is lost with Redis
                due_while_down = workers.seed_due_reminders(
                    world_a, schools=3, recipients=10, name="Down"
                )
                with pytest.raises(kombu.exceptions.OperationalError):
                    services.dispatch_due()
                server.start()
                workers._wait_until_ready([], ["fault3"])  # the worker reconnected
                assert states(queued_first) == {Reminder.State.QUEUED: len(queued_first)}
                celery_app.control.add_consumer(queue, reply=True)
                services.dispatch_due(now=later(services.QUEUED_TIMEOUT + timedelta(minutes=1)))
                ids = queued_first + due_while_down
                wait_until(lambda: settled(ids), f"every reminder settled: {states(ids)}")
                drain(sink, world_a)
    finally:
        sink.stop()

    received = Counter(int(value) for value in sink.values())
    assert states(ids) == {Reminder.State.SENT: len(ids)}
    assert all(received[pk] == 1 for pk in ids)
    assert max(received.values()) == 1


# --- The PAYOFF purge interrupted ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_purge_interrupted_mid_run_and_run_again_purges_each_expired_record_once(
    world_a, world_b, monkeypatch
):
    expired = [
        make_sanction(world_a, student=StudentFactory(school=world_a.school)) for _ in range(5)
    ]
    kept = [
        make_agreement(world_a, basis=Basis.MEASURE),  # the agency sets no period: never purged
        make_sanction(world_b),  # another agency's, consented later
    ]
    ends = expired[0].agreement.purge_after
    Agreement.objects.filter(pk=kept[1].agreement.pk).update(purge_after=ends + timedelta(days=30))
    kept_rows = {built.agreement.pk: _rows_with_values(built) for built in kept}

    real_forget = payoff_services._forget_on_the_incident
    seen = []

    def dies_on_the_third(agreement):
        seen.append(agreement.pk)
        real_forget(agreement)
        if len(seen) == 3:  # after the tombstone and the incident's trace, before the rows
            raise RuntimeError("the purge job died here")

    with time_machine.travel(local_noon(world_a, ends), tick=False):
        monkeypatch.setattr(payoff_services, "_forget_on_the_incident", dies_on_the_third)
        with pytest.raises(RuntimeError):
            purge_expired_agreements_task.delay()
        assert PurgedAgreement.objects.count() == 2  # the third's transaction rolled back
        assert sum(1 for built in expired if any(rows_of(built).values())) == 3

        monkeypatch.setattr(payoff_services, "_forget_on_the_incident", real_forget)
        assert purge_expired_agreements_task.delay().get() == 3

    assert PurgedAgreement.objects.filter(agency=world_a.agency).count() == 5
    assert not PurgedAgreement.objects.filter(agency=world_b.agency).exists()
    for built in expired:
        assert not any(rows_of(built).values())
    assert {
        pk: _rows_with_values(built) for pk, built in zip(kept_rows, kept, strict=True)
    } == kept_rows


def _rows_with_values(built) -> dict:
    """Every row of an agreement, with all its columns."""
    pk = built.agreement.pk
    return {
        model._meta.label: list(model.objects.filter(**{lookup: pk}).order_by("pk").values())
        for model, lookup in [
            (Agreement, "pk"),
            (Task, "agreement_id"),
            (WorkSession, "agreement_id"),
            (Statement, "agreement_id"),
            (CheckIn, "agreement_id"),
        ]
    }
