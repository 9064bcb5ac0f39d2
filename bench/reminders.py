"""Reminder delivery at scale: N due reminders, one dispatcher run, two Celery workers, real SMTP.

    .venv/bin/python bench/reminders.py   (from the project root) [--count 10000] [--json PATH]

What it does, in order (see bench/README.md for what the numbers mean):

1. Starts an SMTP sink (bench/smtp_sink.py) in a thread of this process.
2. Builds its own environment: database `sro_portal_bench` (dropped and created fresh, then
   `manage.py migrate`), Redis database 5 (flushed), DEBUG=0 with throwaway secrets, mail to the
   sink. The `sro_portal` and `test_sro_portal` databases are never touched.
3. Seeds one agency with enough schools and SRO users for `--count` distinct (school, recipient)
   pairs and bulk-creates one due reminder per pair (timed).
4. Starts two Celery workers (prefork, concurrency 1 each) and waits until both answer a ping.
5. Runs `dispatch_due()` once and times until the sink has received `--count` messages; waits 3
   more seconds, then counts duplicates and missing reminders, and the rows marked sent.
6. Stops the workers, prints a table and writes it as JSON. Exits 1 on any duplicate or missing
   reminder (2 if the setup itself failed).
"""

import argparse
import itertools
import json
import math
import os
import platform
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the project checkout
if str(ROOT) not in sys.path:  # run as a script, sys.path[0] is bench/, not the checkout
    sys.path.insert(0, str(ROOT))

from bench.smtp_sink import SmtpSink  # noqa: E402  (needs ROOT on sys.path)

DATABASE = "sro_portal_bench"  # the only database this script creates or drops
POSTGRES = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/5"  # the only Redis database this script flushes
WORKERS = ("w1", "w2")
RECIPIENTS = 50  # SRO users; schools = ceil(count / RECIPIENTS)
DELIVERY_TIMEOUT = 600.0  # seconds from dispatch to the last message
SETTLE = 3.0  # seconds to wait after the last expected message: duplicates would arrive now
WORKER_START_TIMEOUT = 60.0


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    json_path = args.json if args.json.is_absolute() else ROOT / args.json
    json_path.parent.mkdir(parents=True, exist_ok=True)

    sink = SmtpSink(header="X-SRO-Reminder")
    workers: list[subprocess.Popen] = []
    try:
        env = _environment(smtp_port=sink.start())
        os.environ.update(env)  # this process reads the same settings as the workers
        _recreate_database()
        _flush_redis()
        _migrate(env)

        import django

        django.setup()
        import bench.bench_kinds  # noqa: F401  (registers the kind in this process)

        seeding_s, expected = _timed(_seed, args.count)
        workers = _start_workers(env, log_dir=json_path.parent)
        _wait_for_workers(workers)
        run = _dispatch_and_wait(sink, expected)
    finally:
        _stop_workers(workers)
        sink.stop()

    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "count": args.count,
        "workers": len(WORKERS),
        "seeding_s": round(seeding_s, 3),
        **run,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    _print_table(result)
    json_path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nWritten: {json_path}")
    return 1 if result["duplicates"] or result["missing"] else 0


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="reminders (default 10000)")
    parser.add_argument(
        "--json",
        type=Path,
        default=Path("bench/results/reminders.json"),
        help="where to write the results (relative paths are from the checkout)",
    )
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    return args


# --- Environment: settings, database, Redis ------------------------------------------------------


def _environment(*, smtp_port: int) -> dict[str, str]:
    """The settings of this run, for this process and the workers (sro_portal/settings.py)."""
    from cryptography.fernet import Fernet

    return {
        "DJANGO_SETTINGS_MODULE": "sro_portal.settings",
        "DATABASE_URL": f"{POSTGRES}/{DATABASE}",
        "REDIS_URL": REDIS_URL,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),  # throwaway: nothing signed outlives the run
        "MFA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": "http://127.0.0.1:8000",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_USE_TLS": "0",
        "SMTP_USERNAME": "",  # explicit, so values from the caller's shell do not leak in
        "SMTP_PASSWORD": "",
        "LOG_LEVEL": "WARNING",
    }


def _recreate_database() -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        name = sql.Identifier(DATABASE)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def _flush_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()


def _migrate(env: dict[str, str]) -> None:
    command = [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"]
    subprocess.run(command, cwd=ROOT, env=os.environ | env, check=True)  # noqa: S603


# --- Seeding -------------------------------------------------------------------------------------


def _seed(count: int) -> set[int]:
    """One agency, one board, ceil(count / RECIPIENTS) schools and up to RECIPIENTS SRO users;
    one reminder, due a minute ago, for each of the first `count` (school, user) pairs."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from bench.bench_kinds import KIND
    from schools.models import School, SchoolBoard
    from sro_portal.accounts.models import Agency, Role, User
    from sro_portal.reminders.models import Reminder

    recipients = min(RECIPIENTS, count)
    agency = Agency.objects.create(name="Bench Police Service", slug="bench")
    board = SchoolBoard.objects.create(agency=agency, name="Bench School Board")
    schools = School.objects.bulk_create(
        School(agency=agency, board=board, name=f"Bench School {i:05d}")
        for i in range(math.ceil(count / recipients))
    )
    # No password: an unusable one, so no hashing cost in the seeding time.
    users = [
        User.objects.create_user(
            f"sro{i:03d}@bench.test", agency=agency, role=Role.SRO, full_name=f"Bench SRO {i}"
        )
        for i in range(recipients)
    ]
    content_type = ContentType.objects.get_for_model(School)
    due_at = timezone.now() - timedelta(minutes=1)
    pairs = itertools.islice(itertools.product(schools, users), count)
    reminders = Reminder.objects.bulk_create(
        (
            Reminder(
                agency=agency,
                kind=KIND,
                content_type=content_type,
                object_id=str(school.pk),
                recipient=user,
                due_at=due_at,
                state=Reminder.State.PENDING,
            )
            for school, user in pairs
        ),
        batch_size=2000,
    )
    return {reminder.pk for reminder in reminders}


# --- Workers -------------------------------------------------------------------------------------


def _start_workers(env: dict[str, str], *, log_dir: Path) -> list[subprocess.Popen]:
    """Two worker processes (each a prefork parent with one child), importing the bench kind.

    Their logs go to <log_dir>/worker-<name>.log. Mingle and gossip (worker-to-worker sync at
    start) are off: they only slow the start and play no part in delivery.
    """
    python_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    worker_env = os.environ | env | {"PYTHONPATH": python_path}
    workers = []
    for name in WORKERS:
        command = [
            sys.executable, "-m", "celery", "-A", "sro_portal", "worker",
            "-I", "bench.bench_kinds",
            "--pool=prefork", "--concurrency=1", "-n", f"{name}@%h",
            "--without-mingle", "--without-gossip", "--loglevel=INFO",
        ]  # fmt: skip
        log = (log_dir / f"worker-{name}.log").open("w")
        workers.append(
            subprocess.Popen(  # noqa: S603  (our own interpreter, fixed arguments)
                command,
                cwd=ROOT,
                env=worker_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C reaches the benchmark, which stops them
            )
        )
        log.close()  # the child holds its own descriptor
    return workers


def _wait_for_workers(workers: list[subprocess.Popen]) -> None:
    """Until every worker answers a broadcast ping (it then consumes from the queue)."""
    from sro_portal.celery import app

    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while time.monotonic() < deadline:
        if any(worker.poll() is not None for worker in workers):
            raise RuntimeError("A Celery worker exited at start: see bench/results/worker-*.log")
        replies = app.control.ping(timeout=1.0) or []
        names = {name.split("@")[0] for reply in replies for name in reply}
        if names >= set(WORKERS):
            return
    raise RuntimeError(f"The Celery workers did not answer within {WORKER_START_TIMEOUT:.0f} s")


def _stop_workers(workers: list[subprocess.Popen]) -> None:
    """Warm shutdown (SIGTERM: finish the task at hand), then SIGKILL after 30 s."""
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


# --- The measured part ---------------------------------------------------------------------------


def _dispatch_and_wait(sink: SmtpSink, expected: set[int]) -> dict:
    """Dispatch once; time until the sink has `len(expected)` messages; then check everything.

    The clock starts before dispatch_due(): each batch is enqueued when its transaction commits,
    so the workers are sending while the dispatcher is still queueing the later batches.
    """
    from django.db import connections
    from django.db.models import Count

    from sro_portal.reminders import services
    from sro_portal.reminders.models import Reminder

    count = len(expected)
    start = time.perf_counter()
    batches = services.dispatch_due()
    dispatch_s = time.perf_counter() - start

    deadline = start + DELIVERY_TIMEOUT
    while sink.count < count and time.perf_counter() < deadline:
        time.sleep(0.02)
    delivery_s = time.perf_counter() - start
    timed_out = sink.count < count

    time.sleep(SETTLE)
    seen = Counter(int(value) for value in sink.values())
    states = dict(Reminder.objects.values_list("state").annotate(n=Count("id")).order_by("state"))
    connections.close_all()
    return {
        "dispatch_s": round(dispatch_s, 3),
        "delivery_wall_s": round(delivery_s, 3),
        "reminders_per_s": round(count / delivery_s, 1),
        "timed_out": timed_out,
        "batches": len(batches),
        "queued": sum(len(batch) for batch in batches),
        "messages": sink.count,
        "duplicates": sum(1 for n in seen.values() if n > 1),  # reminders received twice or more
        "missing": len(expected - seen.keys()),
        "unexpected": len(seen.keys() - expected),  # header values that were not seeded
        "sent_in_db": states.get(Reminder.State.SENT, 0),
        "states_in_db": states,
    }


def _timed(function, *args):
    start = time.perf_counter()
    value = function(*args)
    return time.perf_counter() - start, value


def _print_table(result: dict) -> None:
    rows = [
        ("reminders", f"{result['count']:,}"),
        ("workers (processes)", f"{result['workers']}"),
        ("seeding", f"{result['seeding_s']:.2f} s"),
        ("dispatch (dispatch_due)", f"{result['dispatch_s']:.2f} s ({result['batches']} batches)"),
        ("delivery wall time", f"{result['delivery_wall_s']:.2f} s"),
        ("reminders per second", f"{result['reminders_per_s']:,.1f}"),
        ("messages at the sink", f"{result['messages']:,}"),
        ("duplicates", f"{result['duplicates']}"),
        ("missing", f"{result['missing']}"),
        ("rows sent in DB", f"{result['sent_in_db']:,}"),
    ]
    if result["timed_out"]:
        rows.append(("TIMED OUT", f"after {DELIVERY_TIMEOUT:.0f} s"))
    width = max(len(label) for label, _ in rows)
    print(f"\nReminder delivery benchmark, {result['date']}")
    print("-" * (width + 24))
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    print("-" * (width + 24))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, subprocess.CalledProcessError) as error:
        print(f"Benchmark setup failed: {error}", file=sys.stderr)
        sys.exit(2)
