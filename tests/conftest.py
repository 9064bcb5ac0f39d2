"""Fixtures shared by the suite: two agencies with one user of each role, and the skips for
tests that need PostgreSQL, Redis or Chromium (counted as skipped, never silently passed)."""

import os
import shutil
from dataclasses import dataclass, field

import pytest
from django.conf import settings

from sro_portal.accounts.models import Agency, Role, User
from sro_portal.celery import app as celery_app
from sro_portal.reminders.registry import Message, ReminderKind, register
from tests import factories

# Playwright's sync API runs an event loop in the test thread; pytest-django's database setup
# would then refuse to run (SynchronousOnlyOperation).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium")

# A reminder kind about a school, for the engine's tests (real kinds come with their apps).
TEST_KIND = "tests.school_check"
register(
    ReminderKind(
        key=TEST_KIND,
        label="School check (tests)",
        render=lambda reminder, school: Message(
            subject=f"Check on {school.name}",
            body=f"Time to check on {school.name}.",
            link="/",
        ),
    )
)


def pytest_collection_modifyitems(config, items):
    skips = {
        "postgres": (
            not settings.USING_POSTGRES,
            "needs PostgreSQL: set DATABASE_URL to a postgres database",
        ),
        "redis": (not settings.REDIS_URL, "needs Redis: set REDIS_URL"),
        "browser": (CHROMIUM is None, "needs Chromium: apt-get install -y chromium"),
    }
    for item in items:
        for marker, (skip, reason) in skips.items():
            if skip and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _celery_eager():
    """Unit tests run Celery tasks in process (overriding Django settings is too late for
    Celery); the integration test with a real worker turns this off."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(scope="session")
def _celery_workers(django_db_setup, django_db_blocker):
    """Two real Celery workers (threads) consuming from Redis, started once for the session:
    Celery's test worker cannot be started again in the same process after it stopped."""
    from celery.contrib.testing.worker import start_worker

    celery_app.control.purge()  # tasks left in the tests' queue by an interrupted run
    with (
        django_db_blocker.unblock(),
        start_worker(
            celery_app,
            pool="solo",
            perform_ping_check=False,
            hostname="one@tests",
            shutdown_timeout=60,
        ),
        start_worker(
            celery_app,
            pool="solo",
            perform_ping_check=False,
            hostname="two@tests",
            shutdown_timeout=60,
        ),
    ):
        yield


@pytest.fixture
def real_workers(_celery_workers):
    """Tasks go through Redis to the session's two workers instead of running in process."""
    celery_app.conf.task_always_eager = False
    yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth's rate limits and used-TOTP markers live in the cache: each test starts clean."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@dataclass
class AgencyWorld:
    """One agency with a board, two schools, and one user of each role.

    The SRO is assigned (primary, in force today) to `school`; the school admin is linked to
    `school`; `other_school` has neither.
    """

    agency: Agency
    school: object
    other_school: object
    users: dict[str, User] = field(default_factory=dict)

    @property
    def admin(self) -> User:
        return self.users[Role.ADMIN]

    @property
    def supervisor(self) -> User:
        return self.users[Role.SUPERVISOR]

    @property
    def sro(self) -> User:
        return self.users[Role.SRO]

    @property
    def school_admin(self) -> User:
        return self.users[Role.SCHOOL]


def build_world(slug: str) -> AgencyWorld:
    agency = factories.AgencyFactory(slug=slug, name=f"{slug.title()} Police Service")
    board = factories.SchoolBoardFactory(agency=agency)
    school = factories.SchoolFactory(board=board, name=f"{slug.title()} High")
    other_school = factories.SchoolFactory(board=board, name=f"{slug.title()} Composite")
    users = {
        role: factories.UserFactory(agency=agency, role=role, email=f"{role}@{slug}.test")
        for role in Role.values
    }
    factories.AssignmentFactory(agency=agency, school=school, officer=users[Role.SRO])
    factories.SchoolMembershipFactory(agency=agency, school=school, user=users[Role.SCHOOL])
    return AgencyWorld(agency=agency, school=school, other_school=other_school, users=users)


@pytest.fixture
def world_a(db) -> AgencyWorld:
    return build_world("alpha")


@pytest.fixture
def world_b(db) -> AgencyWorld:
    return build_world("bravo")
