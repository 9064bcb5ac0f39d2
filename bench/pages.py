"""Pages at scale: each main page against its limits and its peer, throughput, reminders.

    .venv/bin/python bench/seed_scale.py        (first: the database sro_portal_scale)
    .venv/bin/python bench/pages.py             (from the project root)
        [--requests 40] [--load-seconds 20] [--load-users 8] [--skip-report]
        [--skip-load] [--skip-reminders] [--only KEY,KEY] [--json bench/results/pages.json]
        [--sequential]

In one run, on PostgreSQL, with DEBUG=0 and the production middleware (bench/README.md, "Scale
benchmark", says how and why):

Each page is timed in --requests rounds (_in_turn): in each, one request of the page, one replay of
its SQL, one request of the minimal view and one of its peer, so that the page and what it is
judged against are timed in the same seconds (--sequential: one after the other, as before).

1. Server time: each page is requested --requests times through the production WSGI application
   (sro_portal.wsgi.application, as gunicorn loads it) called in this process with a WSGI environ
   like the one gunicorn builds (cookie of a forced, MFA-verified session; X-Forwarded-Proto:
   https as behind the production proxy). The clock runs from the call to the closed response (the
   connection returned to the pool): median and p95.
2. Queries per request: one more request inside CaptureQueriesContext; the same page for a
   user of a small agency gives the second count (queries constant in the data size).
3. The page's own SQL alone: the captured statements re-executed, exactly as sent, in one
   transaction rolled back (rows fetched, no model built), twice a round, the second timed (hot,
   as in a loop of its own): median and p95.
4. The minimal view (bench/hello/, a hello-world through the same middleware, signed in) and the
   ratio page / (3 x SQL + minimal), on medians: at most 1 meets the goal.
5. The peer: the Django admin changelist of the same model over the same rows (bench/admin/,
   the large agency's rows, 50 a page), measured the same way.
6. Throughput: gunicorn (3 sync workers, as in the Dockerfile) on loopback, loaded by locust
   from a second process (bench/.venv-locust), --load-seconds per page, --load-users clients.
7. The annual report's work, as its Celery task does it (figures, then the PDF), for last
   school year in the large and a small agency: seconds and queries.
8. The reminders benchmark (bench/reminders.py --count 10000) as a child process.

Prints one table and writes it as JSON (default bench/results/pages.json); with --explain,
EXPLAIN (ANALYZE, BUFFERS) of each page's slowest statements goes to bench/results/explain/.
"""

import argparse
import contextlib
import csv
import http.client
import io
import json
import math
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.scale_env import (  # noqa: E402
    BIG_AGENCY_SLUG,
    app_role_setup,
    database_exists,
    environment,
    manage,
    python_path,
)

LOCUST = ROOT / "bench" / ".venv-locust" / "bin" / "locust"
WARMUP = 3  # requests before the measured ones (templates compiled, pool connections open)
GUNICORN_WORKERS = 3  # as in the Dockerfile
SERVER_START_TIMEOUT = 60.0
LIST_P95_GOAL_MS = 50.0
DASHBOARD_P95_GOAL_MS = 150.0
MINIMAL_PATH = "/bench/hello/"  # the minimal view (bench/bench_urls.py)
RATIO_GOAL = 1.0  # page median <= 3 x SQL median + minimal view median
ORIGINAL_ENV = dict(os.environ)  # for the reminders child: its own settings, not ours


@dataclass
class Page:
    key: str
    label: str
    path: str
    user: str  # "supervisor", "sro" (the large agency's) or "staff" (platform staff)
    kind: str  # "list", "dashboard", "export", "minimal"
    peer: str | None = None  # the admin changelist of the same rows
    session: dict = field(default_factory=dict)  # extra session values (the incident search)
    small_path: str | None = None  # the same page for a small agency, if the path differs
    small_session: dict | None = None  # its session values, if they differ
    # Run before each measured request, untimed: e.g. a write that makes kept figures stale.
    before: Callable[[], None] | None = None


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    json_path = args.json if args.json.is_absolute() else ROOT / args.json
    json_path.parent.mkdir(parents=True, exist_ok=True)
    if not database_exists():
        print("No database sro_portal_scale: run bench/seed_scale.py first.", file=sys.stderr)
        return 2

    # As the web connects: the application role, under row-level security (bench/scale_env.py).
    env = environment(secret_key=secrets.token_urlsafe(50), app_role=True)
    app_role_setup(env)
    os.environ.update(env)
    static_root = Path(tempfile.gettempdir()) / "sro_portal_bench_static"
    if not (static_root / "staticfiles.json").exists():
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")

    import django

    django.setup()

    load_before = os.getloadavg()
    world = _world()
    pages = _pages(world)
    if args.only:
        keep = set(args.only.split(","))
        pages = [page for page in pages if page.key in keep or page.kind == "minimal"]
    if args.exclude:
        pages = [page for page in pages if page.key not in set(args.exclude.split(","))]
    handler = _handler()
    results, sequential = [], args.sequential
    for page in pages:
        n = args.requests
        print(f"  {page.label} ...", end="", flush=True)
        result = _measure_page(
            handler, world, page, n=n, explain=args.explain, out=json_path, sequential=sequential
        )
        results.append(result)
        print(f" p50 {result['p50_ms']:.1f} ms, {result['queries']} queries", flush=True)
    minimal = next(r for r in results if r["key"] == "minimal")
    for result in results:
        _judge(result, minimal)

    load = {} if args.skip_load else _throughput(world, env, args, pages)
    report = {} if args.skip_report else _report_task(world)
    reminders = {} if args.skip_reminders else _reminders(json_path.parent)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": env["DATABASE_URL"].rsplit("/", 1)[1],
        "rows": world["rows"],
        "requests": args.requests,
        "pages": results,
        "throughput": load,
        "report_task": report,
        "reminders": reminders,
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    _print_table(result)
    json_path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"\nWritten: {json_path}")
    return 0


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--load-seconds", type=int, default=20, help="per throughput run")
    parser.add_argument("--load-users", type=int, default=8, help="concurrent clients")
    parser.add_argument("--skip-load", action="store_true", help="no gunicorn/locust runs")
    parser.add_argument("--skip-reminders", action="store_true", help="no reminders benchmark")
    parser.add_argument(
        "--skip-report", action="store_true", help="no annual report (minutes at 300 schools)"
    )
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE slow queries")
    parser.add_argument(
        "--sequential",
        action="store_true",
        help="time a page, then its SQL, then its peer (the results before rounds)",
    )
    parser.add_argument("--only", help="comma-separated page keys (the minimal view is kept)")
    parser.add_argument("--exclude", help="comma-separated page keys to leave out")
    parser.add_argument(
        "--json",
        type=Path,
        default=Path("bench/results/pages.json"),
        help="where to write the results (relative paths are from the checkout)",
    )
    args = parser.parse_args(argv)
    if args.requests < 5:
        parser.error("--requests must be at least 5")
    return args


# --- Who signs in, and the pages ------------------------------------------------------------------


def _world() -> dict:
    """Users of the large agency and of one small agency, their sessions, and a few ids."""
    from sro_portal import rls
    from sro_portal.accounts.models import Agency

    big = Agency.objects.get(slug=BIG_AGENCY_SLUG)
    small = Agency.objects.filter(slug__startswith="small").order_by("slug").first()
    with rls.agency(small.pk):  # the application role sees one agency's rows at a time
        small_world = _agency_world(small)
    with rls.agency(big.pk):
        return _big_world(big, small, small_world)


def _agency_world(agency) -> dict:
    """What a page of `agency` needs: a student's name to search, its first school, the cursors
    of the lists' deepest pages (keyset pagination: the 50 oldest rows)."""
    from incidents.models import Incident
    from officers.models import Activity, Student
    from schools.models import School

    student = Student.objects.filter(agency=agency).order_by("pk").first()
    return {
        "search": f"{student.first_name} {student.last_name}",
        "school": School.objects.filter(agency=agency).order_by("name").first(),
        "deepest": {
            "activities": _deepest(Activity, agency, ("date", "id"), **_this_school_year(agency)),
            "incidents": _deepest(Incident, agency, ("occurred_at", "id")),
        },
    }


def _big_world(big, small, small_world: dict) -> dict:
    """The world of _world(): the large agency's part read here, with its agency set."""
    from incidents.models import Incident
    from officers.models import Activity
    from payoff.models import Agreement
    from presentations.models import Presentation
    from schools.models import Drill, School
    from schools.views import MATRIX_PAGE_SIZE
    from sro_portal.accounts.models import Role, User

    def first(agency, role):
        return User.objects.filter(agency=agency, role=role).order_by("email").first()

    users = {
        "supervisor": first(big, Role.SUPERVISOR),
        "sro": first(big, Role.SRO),
        "staff": User.objects.get(email="platform@bench.test"),
        "small_supervisor": first(small, Role.SUPERVISOR),
        "small_sro": first(small, Role.SRO),
    }

    rows = {
        model._meta.label: model.objects.filter(agency=big).count()
        for model in (Activity, Incident, Agreement, Presentation, Drill)
    }
    big_world = _agency_world(big)
    return {
        "agency": big,
        "small_agency": small,
        "users": users,
        "search": big_world["search"],
        "small_search": small_world["search"],
        "school": big_world["school"],
        "small_school": small_world["school"],
        "deepest": big_world["deepest"],
        "small_deepest": small_world["deepest"],
        "rows": rows,
        "sessions": {},
        # The compliance matrix's last page (schools.views.MATRIX_PAGE_SIZE schools a page).
        "matrix_pages": math.ceil(
            School.objects.filter(agency=big, is_active=True).count() / MATRIX_PAGE_SIZE
        ),
        # Rows of this month, written again by _log_today (the dashboard after new entries).
        "this_month": {
            "activity": Activity.objects.filter(agency=big, date__gte=big.today().replace(day=1))
            .values_list("pk", flat=True)
            .first(),
            "incident": Incident.objects.filter(
                agency=big,
                occurred_at__gte=datetime.combine(
                    big.today().replace(day=1), datetime.min.time(), tzinfo=big.tzinfo
                ),
            )
            .values_list("pk", flat=True)
            .first(),
        },
    }


def _last_page(count: int, size: int = 50) -> int:
    return max(1, math.ceil(count / size))


def _deepest(model, agency, fields: tuple[str, ...], size: int = 50, **within) -> str:
    """`?after=` of the list's last page: the keys of the row just above the oldest `size`."""
    from sro_portal.core.pagination import SEPARATOR, _text

    row = model.objects.filter(agency=agency, **within).order_by(*fields)[size : size + 1].first()
    if row is None:  # one page only: the first is the last
        return ""
    return SEPARATOR.join(_text(getattr(row, field)) for field in fields)


def _this_school_year(agency) -> dict:
    """The activity list opens on the current school year: its last page is that year's."""
    return {"date__gte": agency.school_year_for(agency.today()).start}


def _pages(world: dict) -> list[Page]:
    rows, deepest, small = world["rows"], world["deepest"], world["small_deepest"]
    last_activity = _last_page(rows["officers.Activity"])
    last_incident = _last_page(rows["incidents.Incident"])
    school = world["school"]
    year = world["agency"].school_year_for(world["agency"].today())
    last_year = world["agency"].school_year_for(year.start.replace(year=year.start.year - 1))
    old_week = year.start.replace(year=year.start.year - 4)
    search = {"incident_student_search": world["search"]}
    small_search = {"incident_student_search": world["small_search"]}
    return [
        Page("minimal", "minimal view (hello, signed in)", MINIMAL_PATH, "supervisor",
             "minimal"),
        Page("minimal_anonymous", "minimal view, no session", "/bench/hello-anonymous/",
             "anonymous", "reference"),
        Page("activity_week", "activity week (SRO)", "/log/", "sro", "list"),
        Page("activity_week_old", "activity week 4 years back (SRO)",
             f"/log/?week={old_week.isoformat()}", "sro", "list"),
        Page("activity_list", "activity list p1", "/log/all/", "supervisor", "list",
             peer="/bench/admin/officers/activity/"),
        Page("activity_list_last", "activity list, last page (this school year)",
             f"/log/all/?after={quote(deepest['activities'])}", "supervisor", "list",
             peer=f"/bench/admin/officers/activity/?p={last_activity}",
             small_path=f"/log/all/?after={quote(small['activities'])}"),
        Page("activity_list_filtered", "activity list, school + category",
             f"/log/all/?school={school.pk}&category=counselling", "supervisor", "list",
             small_path=f"/log/all/?school={world['small_school'].pk}&category=counselling"),
        Page("incident_list", "incident list p1", "/incidents/", "supervisor", "list",
             peer="/bench/admin/incidents/incident/"),
        Page("incident_list_last", "incident list, last page",
             f"/incidents/?after={quote(deepest['incidents'])}", "supervisor", "list",
             peer=f"/bench/admin/incidents/incident/?p={last_incident}",
             small_path=f"/incidents/?after={quote(small['incidents'])}"),
        Page("incident_search", "incident search (student name)", "/incidents/", "supervisor",
             "list", session=search, small_session=small_search),
        Page("agreement_list", "agreement list p1", "/payoff/", "supervisor", "list",
             peer="/bench/admin/payoff/agreement/"),
        Page("compliance", "drill compliance matrix", "/compliance/", "supervisor", "list",
             peer="/bench/admin/schools/drill/"),
        Page("compliance_last", "drill compliance matrix, last page",
             f"/compliance/?page={world['matrix_pages']}", "supervisor", "list"),
        Page("compliance_board", "drill compliance matrix, one board",
             f"/compliance/?board={school.board_id}", "supervisor", "list",
             small_path=f"/compliance/?board={world['small_school'].board_id}"),
        Page("presentation_list", "presentation list p1", "/presentations/", "supervisor",
             "list", peer="/bench/admin/presentations/presentation/"),
        Page("dashboard", f"program dashboard {year.label}", "/dashboard/", "supervisor",
             "dashboard"),
        Page("dashboard_after_writes", f"program dashboard {year.label}, after an activity "
             "and an incident are logged today", "/dashboard/", "supervisor", "dashboard",
             before=lambda: _log_today(world)),
        Page("dashboard_last_year", f"program dashboard {last_year.label}",
             f"/dashboard/?period={last_year.start.year}", "supervisor", "dashboard"),
        Page("csv_export", f"CSV export time/by_officer {last_year.label}",
             f"/dashboard/export/time/by_officer.csv?period={last_year.start.year}",
             "supervisor", "export"),
    ]  # fmt: skip


def _log_today(world: dict) -> None:
    """As SROs during the school day: an activity and an incident logged today (copies of this
    month's rows, dated now). Their triggers change today's versions only, so the kept dashboard
    figures (dashboards.rollups, this month up to yesterday) stay exact; today is read from the
    rows at every view."""
    from django.utils import timezone

    from incidents.models import Incident
    from officers.models import Activity
    from sro_portal import rls

    rows = world["this_month"]
    if rows["activity"] is None or rows["incident"] is None:
        raise RuntimeError("The seed has no activity or incident this month.")
    with rls.agency(world["agency"].pk):
        activity = Activity.objects.get(pk=rows["activity"])
        activity.pk, activity.date = None, world["agency"].today()
        activity.save()
        incident = Incident.objects.get(pk=rows["incident"])
        incident.pk, incident.occurred_at, incident.occurred_until = None, timezone.now(), None
        incident.save()


def _session(world: dict, user_key: str, extra: dict) -> str:
    """A signed-in session as allauth and the MFA middleware leave it (no sign-in needed)."""
    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from sro_portal.accounts.middleware import SESSION_FLAG

    if user_key == "anonymous":
        return ""
    cache_key = (user_key, tuple(sorted(extra.items())))
    if cache_key not in world["sessions"]:
        user = world["users"][user_key]
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[SESSION_FLAG] = user.pk  # MFA verified for this session
        # Signed in with password and code just now, as allauth records it: exports ask for a
        # recent authentication (bench/settings.py stretches "recent" over the run).
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "password", "at": time.time(), "email": user.email},
            {"method": "mfa", "at": time.time(), "type": "totp"},
        ]
        session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
        session.update(extra)
        session.create()
        world["sessions"][cache_key] = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
    return world["sessions"][cache_key]


# --- The annual report (a Celery task since it takes minutes at 300 schools) ---------------------


def _report_task(world: dict) -> dict:
    """What the report task does (sro_portal/dashboards/tasks.py), timed in two parts: the
    figures (queries) and the PDF (WeasyPrint's layout), for last year, large and small agency."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sro_portal import rls
    from sro_portal.dashboards import report

    result = {}
    for key, user_key in (("large", "supervisor"), ("small", "small_supervisor")):
        user = world["users"][user_key]
        today = user.agency.today()
        this_year = user.agency.school_year_for(today)
        year = user.agency.school_year_for(this_year.start.replace(year=this_year.start.year - 1))
        print(f"  annual report {year.label}, {key} agency ...", end="", flush=True)
        start = time.perf_counter()
        # As the task runs: with the agency of whoever asked for it (sro_portal/celery.py).
        with rls.agency(user.agency_id), CaptureQueriesContext(connection) as queries:
            built = report.build_report(user=user, year=year)
        figures_s = time.perf_counter() - start
        start = time.perf_counter()
        with rls.agency(user.agency_id):
            pdf = report.report_pdf(built)
        pdf_s = time.perf_counter() - start
        result[key] = {
            "schools": len(built.schools),
            "figures_s": round(figures_s, 2),
            "queries": len(queries.captured_queries),
            "pdf_s": round(pdf_s, 2),
            "pdf_bytes": len(pdf),
        }
        print(f" {figures_s:.1f} s figures ({len(queries.captured_queries)} queries), "
              f"{pdf_s:.1f} s PDF", flush=True)  # fmt: skip
    return result


# --- In-process WSGI requests ---------------------------------------------------------------------


def _handler():
    from sro_portal.wsgi import application

    return application


def _environ(path: str, cookie: str) -> dict:
    """What gunicorn gives the application for `GET path` behind the production proxy."""
    path_info, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_COOKIE": cookie,
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_ACCEPT": "text/html,application/xhtml+xml",
        "HTTP_USER_AGENT": "sro-portal-bench",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def _request(handler, path: str, cookie: str) -> tuple[float, str, int, bytes]:
    """One request: (seconds, status, bytes, first bytes of the body)."""
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)
        return lambda data: None

    start = time.perf_counter()
    response = handler(_environ(path, cookie), start_response)
    size, head = 0, b""
    try:
        for chunk in response:
            if not head:
                head = bytes(chunk[:300])
            size += len(chunk)
    finally:
        if hasattr(response, "close"):
            response.close()  # request_finished: the connection goes back to the pool
    return time.perf_counter() - start, statuses[0], size, head


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = max(0, math.ceil(share * len(ordered)) - 1)
    return ordered[index]


def _warm_up(handler, path: str, cookie: str, *, warmup: int = WARMUP, before=None) -> int:
    """A few requests first (templates compiled, connections open); their size. Not a 200: the
    run stops."""
    size = 0
    for _ in range(warmup):
        if before:
            before()
        _, status, size, head = _request(handler, path, cookie)
        if not status.startswith("200"):
            raise RuntimeError(f"GET {path}: {status} {head[:200]!r}")
    return size


def _timed_requests(
    handler, path: str, cookie: str, n: int, *, warmup: int = WARMUP, before=None
) -> dict:
    size = _warm_up(handler, path, cookie, warmup=warmup)
    times = []
    for _ in range(n):
        if before:
            before()
        times.append(_request(handler, path, cookie)[0] * 1000)
    return _summary(times, size)


def _summary(times: list[float], size: int) -> dict:
    """Median, p95 and slowest of request times in ms; the response's size."""
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(_percentile(times, 0.95), 2),
        "max_ms": round(max(times), 2),
        "bytes": size,
        "n": len(times),
    }


def _captured(handler, path: str, cookie: str) -> tuple[list[str], float, str, int]:
    """The SQL of one request, as sent to PostgreSQL; and the request's time, status, size."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        seconds, status, size, _ = _request(handler, path, cookie)
    return [query["sql"] for query in captured.captured_queries], seconds, status, size


def _replay(statements: list[str], n: int) -> dict:
    """Time the statements alone: executed as captured, rows fetched, rolled back, n times in a
    row. Also the median of each statement, to find the slow ones."""
    _replay_once(statements)  # opens the connection and warms the caches
    return _replay_summary(statements, [_replay_once(statements) for _ in range(n)])


def _replay_once(statements: list[str]) -> tuple[float, list[float]]:
    """One replay of the statements in a rolled-back transaction: (total ms, ms of each). With
    the large agency set, as the page had it (every measured page and peer is that agency's):
    the same policies filter the same rows."""
    from django.db import connection, transaction

    each = []
    with _large_agency(), transaction.atomic(), connection.cursor() as cursor:
        start = time.perf_counter()
        for sql in statements:
            began = time.perf_counter()
            cursor.execute(sql)
            if cursor.description is not None:
                cursor.fetchall()
            each.append((time.perf_counter() - began) * 1000)
        total = (time.perf_counter() - start) * 1000
        transaction.set_rollback(True)
    return total, each


def _large_agency():
    """The large agency set on this process's connection (sro_portal.rls), as the row-level
    security middleware sets it for the pages of its users and the peers for their rows."""
    from bench.bench_urls import bench_agency_id
    from sro_portal import rls

    return rls.agency(bench_agency_id())


def _replay_summary(statements: list[str], rounds: list[tuple[float, list[float]]]) -> dict:
    totals = [total for total, _each in rounds]
    per_statement = list(zip(*[each for _total, each in rounds], strict=True)) if rounds else []
    slowest = sorted(
        ((statistics.median(times), index) for index, times in enumerate(per_statement) if times),
        reverse=True,
    )[:3]
    return {
        "sql_p50_ms": round(statistics.median(totals), 2) if totals else 0.0,
        "sql_p95_ms": round(_percentile(totals, 0.95), 2) if totals else 0.0,
        "slowest": [
            {"ms": round(ms, 2), "sql": statements[index][:600], "index": index}
            for ms, index in slowest
        ],
    }


def _explain(statements: list[str], slowest: list[dict], path: Path) -> None:
    from django.db import connection, transaction

    lines = []
    with _large_agency(), transaction.atomic(), connection.cursor() as cursor:
        for item in slowest:
            sql = statements[item["index"]]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            lines += [f"-- {item['ms']} ms (median in the replay)", sql, plan, ""]
        transaction.set_rollback(True)
    path.write_text("\n".join(lines))


def _measure_page(
    handler, world, page: Page, *, n: int, explain: bool, out: Path, sequential: bool = False
) -> dict:
    cookie = _session(world, page.user, page.session)
    result = {"key": page.key, "label": page.label, "path": page.path, "kind": page.kind}
    result["role"] = page.user
    if sequential or page.kind in ("minimal", "reference"):  # no ratio to judge
        statements = _one_after_another(handler, world, page, cookie, n, result)
    else:
        statements = _in_turn(handler, world, page, cookie, n, result)
    if explain and page.kind != "minimal":
        explain_dir = out.parent / "explain"
        explain_dir.mkdir(exist_ok=True)
        _explain(statements, result["slowest"], explain_dir / f"{page.key}.txt")
    # (A page measured after writes has no small-agency twin: its queries depend on the writes.)
    if page.user in ("supervisor", "sro") and not page.before:
        small_session = page.session if page.small_session is None else page.small_session
        small_cookie = _session(world, f"small_{page.user}", small_session)
        small_path = page.small_path or page.path
        _request(handler, small_path, small_cookie)  # warm
        result["queries_small_agency"] = len(_captured(handler, small_path, small_cookie)[0])
    return result


def _in_turn(handler, world, page: Page, cookie: str, n: int, result: dict) -> list[str]:
    """The page, its own SQL, the minimal view and the admin peer timed in turn, one of each a
    round, so that every median the page is judged against comes from the same seconds. This
    machine's speed drifts by a fifth within a minute; timed one after the other, a ratio near 1
    moved by up to 0.4 between two runs (bench/README.md, "How pages.py times a page").
    Each round replays the SQL twice and times the second: the first brings the statements'
    plans and rows back into the caches the page's Python pushed them out of, so the timed one
    runs as hot as in a loop of its own (replayed once a round, it took 20-60 % longer: a
    kinder limit than the SQL alone). Returns the page's statements."""
    size = _warm_up(handler, page.path, cookie, before=page.before)
    if page.before:
        page.before()
    statements = _captured(handler, page.path, cookie)[0]
    minimal_cookie = _session(world, "supervisor", {})
    staff = _session(world, "staff", {})
    if page.peer:
        peer_size = _warm_up(handler, page.peer, staff)
    times, minimal_times, peer_times, rounds = [], [], [], []
    for _ in range(n):
        if page.before:
            page.before()
        times.append(_request(handler, page.path, cookie)[0] * 1000)
        _replay_once(statements)
        rounds.append(_replay_once(statements))
        minimal_times.append(_request(handler, MINIMAL_PATH, minimal_cookie)[0] * 1000)
        if page.peer:
            peer_times.append(_request(handler, page.peer, staff)[0] * 1000)
    result |= _summary(times, size) | {"queries": len(statements)}
    result["minimal_p50_ms"] = round(statistics.median(minimal_times), 2)
    result |= _replay_summary(statements, rounds)
    if page.peer:
        result["peer"] = {"path": page.peer, **_summary(peer_times, peer_size)}
        result["peer"] |= _peer_sql(handler, page.peer, staff, n)
    return statements


def _one_after_another(handler, world, page: Page, cookie: str, n: int, result: dict):
    """--sequential (the method of every result before rounds): the page's requests, then its
    SQL in a loop of its own, then its peer's requests; the ratio takes the run's first minimal
    view. Returns the page's statements."""
    result |= _timed_requests(handler, page.path, cookie, n, before=page.before)
    if page.before:
        page.before()
    statements = _captured(handler, page.path, cookie)[0]
    result["queries"] = len(statements)
    result |= _replay(statements, n)
    if page.peer:
        staff = _session(world, "staff", {})
        peer = _timed_requests(handler, page.peer, staff, n)
        result["peer"] = {"path": page.peer, **peer, **_peer_sql(handler, page.peer, staff, n)}
    return statements


def _peer_sql(handler, path: str, cookie: str, n: int) -> dict:
    """The peer's queries and its SQL alone (for the table; no goal is judged on them)."""
    statements = _captured(handler, path, cookie)[0]
    replayed = _replay(statements, n)
    return {"queries": len(statements), "sql_p50_ms": replayed["sql_p50_ms"]}


def _judge(result: dict, minimal: dict) -> None:
    """The goals of issue 10, page by page."""
    misses = []
    if result["kind"] in ("minimal", "reference"):
        result["misses"] = []
        return
    # The minimal view timed in the page's own rounds; with --sequential, the run's first.
    limit = 3 * result["sql_p50_ms"] + result.get("minimal_p50_ms", minimal["p50_ms"])
    result["limit_ms"] = round(limit, 2)
    result["ratio"] = round(result["p50_ms"] / limit, 2) if limit else None
    if result["ratio"] is not None and result["ratio"] > RATIO_GOAL:
        misses.append(f"page {result['p50_ms']:.0f} ms > 3 x SQL + minimal {limit:.0f} ms")
    if result["kind"] == "list" and result["p95_ms"] > LIST_P95_GOAL_MS:
        misses.append(f"p95 {result['p95_ms']:.0f} ms > {LIST_P95_GOAL_MS:.0f} ms")
    if result["kind"] == "dashboard" and result["p95_ms"] > DASHBOARD_P95_GOAL_MS:
        misses.append(f"p95 {result['p95_ms']:.0f} ms > {DASHBOARD_P95_GOAL_MS:.0f} ms")
    peer = result.get("peer")
    if peer and result["p50_ms"] >= peer["p50_ms"]:
        misses.append(f"not faster than the admin ({peer['p50_ms']:.0f} ms)")
    small = result.get("queries_small_agency")
    if small is not None and small != result["queries"]:
        misses.append(f"queries {result['queries']} here, {small} for a small agency")
    result["misses"] = misses


# --- Throughput: gunicorn on loopback, locust in a second process ---------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str, cookie: str = "") -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"X-Forwarded-Proto": "https", "Cookie": cookie}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _throughput(world, env, args, pages: list[Page]) -> dict:
    if not LOCUST.exists():
        print(f"No locust at {LOCUST}: see bench/README.md (throughput skipped).")
        return {"skipped": "locust is not installed in bench/.venv-locust"}
    port = _free_port()
    log_dir = ROOT / "bench" / "results"
    log = (log_dir / "gunicorn.log").open("w")
    command = [
        sys.executable, "-m", "gunicorn", "sro_portal.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(GUNICORN_WORKERS),
        "--access-logfile", "-",
    ]  # fmt: skip
    server = subprocess.Popen(  # noqa: S603
        command,
        cwd=ROOT,
        env=os.environ | env | {"PYTHONPATH": python_path()},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    by_key = {page.key: page for page in pages}
    runs = {}
    try:
        _wait_for_server(server, port)
        targets = [("minimal", "bench/hello (signed in)")]
        targets += [("activity_list", "activity list p1"), ("dashboard", "program dashboard")]
        for key, label in targets:
            page = by_key.get(key)
            if page is None:
                continue
            cookie = _session(world, page.user, page.session)
            for _ in range(GUNICORN_WORKERS * 4):  # each worker renders the page once first
                _get(port, page.path, cookie)
            print(f"  load: {label}, {args.load_users} clients, {args.load_seconds} s ...")
            runs[key] = {
                "label": label,
                "path": page.path,
                **_locust(port, page.path, cookie, args),
            }
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return {
        "server": f"gunicorn, {GUNICORN_WORKERS} sync workers, 127.0.0.1:{port}",
        "clients": args.load_users,
        "seconds": args.load_seconds,
        "runs": runs,
    }


def _wait_for_server(server, port: int) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited at start: see bench/results/gunicorn.log")
        with contextlib.suppress(OSError):
            if _get(port, "/healthz") == 200:
                return
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def _locust(port: int, path: str, cookie: str, args) -> dict:
    with tempfile.TemporaryDirectory() as directory:
        prefix = Path(directory) / "run"
        command = [
            str(LOCUST), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
            "-u", str(args.load_users), "-r", str(args.load_users),
            "-t", f"{args.load_seconds}s", "--host", f"http://127.0.0.1:{port}",
            "--only-summary", "--csv", str(prefix), "--loglevel", "WARNING",
        ]  # fmt: skip
        env = ORIGINAL_ENV | {"BENCH_PATH": path, "BENCH_COOKIE": cookie}
        subprocess.run(  # noqa: S603
            command, env=env, check=False, capture_output=True, timeout=args.load_seconds + 120
        )
        with (prefix.parent / "run_stats.csv").open() as stats:
            row = next(r for r in csv.DictReader(stats) if r["Name"] == "Aggregated")
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "requests_per_s": round(float(row["Requests/s"]), 1),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
        "p99_ms": float(row["99%"]),
    }


# --- The reminders benchmark ---------------------------------------------------------------------


def _reminders(results_dir: Path) -> dict:
    """bench/reminders.py --count 10000 in a child process with its own settings."""
    json_path = results_dir / "pages-reminders.json"
    command = [sys.executable, "bench/reminders.py", "--count", "10000", "--json", str(json_path)]
    print("  reminders benchmark (10,000) ...", flush=True)
    done = subprocess.run(  # noqa: S603
        command, cwd=ROOT, env=ORIGINAL_ENV, check=False, capture_output=True, text=True
    )
    if done.returncode != 0 or not json_path.exists():
        return {"failed": done.returncode, "stderr": done.stderr[-2000:]}
    data = json.loads(json_path.read_text())
    keys = ("count", "seeding_s", "dispatch_s", "delivery_wall_s", "reminders_per_s")
    return {key: data[key] for key in keys} | {
        "duplicates": data["duplicates"],
        "missing": data["missing"],
        "json": str(json_path.relative_to(ROOT)),
    }


# --- Output --------------------------------------------------------------------------------------


def _goals(page: dict) -> str:
    if page["kind"] in ("minimal", "reference"):
        return ""
    return "; ".join(page["misses"]) or "ok"


def _print_table(result: dict) -> None:
    rows = result["rows"]
    print(
        f"\nPages at scale, {result['date']} ({rows['officers.Activity']:,} activities, "
        f"{rows['incidents.Incident']:,} incidents in the large agency); times in ms"
    )
    header = (
        f"{'page':<40} {'p50':>7} {'p95':>7} {'q':>3} {'q*':>3} {'SQL':>7} {'limit':>7} "
        f"{'ratio':>5} {'admin':>7} {'adm95':>7} {'aq':>3}  goals"
    )
    print(header)
    print("-" * len(header))
    for page in result["pages"]:
        peer = page.get("peer") or {}
        small = page.get("queries_small_agency")
        small = "" if small is None else small
        ratio = page.get("ratio") or ""
        print(
            f"{page['label'][:40]:<40} {page['p50_ms']:>7.1f} {page['p95_ms']:>7.1f} "
            f"{page['queries']:>3} {small:>3} {page['sql_p50_ms']:>7.1f} "
            f"{page.get('limit_ms', ''):>7} {ratio:>5} {peer.get('p50_ms', ''):>7} "
            f"{peer.get('p95_ms', ''):>7} {peer.get('queries', ''):>3}  {_goals(page)}"
        )
    print("q*: queries for a small agency's user (same page); limit: 3 x SQL + minimal view")
    load = result["throughput"]
    if load.get("runs"):
        print(f"\nThroughput ({load['server']}, {load['clients']} clients, {load['seconds']} s)")
        for run in load["runs"].values():
            print(
                f"  {run['label']:<28} {run['requests_per_s']:>7.1f} req/s  p50 {run['p50_ms']} "
                f"ms  p95 {run['p95_ms']} ms  failures {run['failures']}"
            )
    for key, run in result["report_task"].items():
        print(
            f"\nAnnual report task, {key} agency ({run['schools']} schools): figures "
            f"{run['figures_s']} s in {run['queries']} queries, PDF {run['pdf_s']} s "
            f"({run['pdf_bytes']:,} bytes)"
        )
    reminders = result["reminders"]
    if reminders and "failed" not in reminders:
        print(
            f"\nReminders: {reminders['count']:,} delivered in {reminders['delivery_wall_s']} s "
            f"({reminders['reminders_per_s']}/s), duplicates {reminders['duplicates']}, "
            f"missing {reminders['missing']}"
        )
    elif reminders:
        print(f"\nReminders benchmark failed: {reminders}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, subprocess.CalledProcessError) as error:
        print(f"Benchmark failed: {error}", file=sys.stderr)
        sys.exit(2)
