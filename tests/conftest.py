"""Fixtures shared by the suite: two agencies with one user of each role, and the skips for
tests that need PostgreSQL, Redis or Chromium (counted as skipped, never silently passed)."""

import os
import shutil
from dataclasses import dataclass, field

import pytest
from django.conf import settings

from sro_portal.accounts.models import Agency, Role, User
from sro_portal.celery import app as celery_app
from tests import factories
from tests.app_role import _app_role, app_role  # noqa: F401 (fixtures of the whole suite)

# Playwright's sync API runs an event loop in the test thread; pytest-django's database setup
# would then refuse to run (SynchronousOnlyOperation).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium")

from tests.reminder_kinds import TEST_KIND  # noqa: E402, F401 (registers the kind)


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


@pytest.fixture
def real_workers(transactional_db):
    """Two Celery worker processes, as in production, consuming the tests' Redis queue and
    sending mail to an SMTP sink in this process (yielded: `sink.values()` are the reminder ids
    of the messages it received). The tests that use them commit their rows (transaction=True),
    so the workers see them."""
    from tests.workers import celery_workers

    celery_app.conf.task_always_eager = False
    with celery_workers(count=2) as sink:
        yield sink


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
