"""The application role in tests: the suite connects as the postgres superuser, who bypasses
every row-level security policy; these fixtures switch the test connection to a role like
production's application role (`SET ROLE`: not a superuser, no BYPASSRLS, owns nothing), so the
policies apply, and switch back after. tests/conftest.py makes the fixtures the whole suite's."""

import contextlib

import pytest
from django.db import connection

from sro_portal import rls

APP_ROLE = "sro_portal_app_test"


@pytest.fixture(scope="session")
def _app_role(django_db_setup, django_db_blocker):
    """The application role, created once for the cluster if missing, granted this database
    as `migrate` grants it in production (rls.grant_app_role)."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )
        rls.grant_app_role(APP_ROLE)


@contextlib.contextmanager
def as_app_role():
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {APP_ROLE}")
    try:
        yield
    finally:
        rls.set_agency(None)
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


@pytest.fixture
def app_role(_app_role):
    return as_app_role
