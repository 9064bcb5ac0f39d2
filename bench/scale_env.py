"""The environment shared by the scale benchmark's two commands (seed_scale.py and pages.py).

Both run against their own database, `sro_portal_scale`, with production settings read from the
environment (DEBUG=0, throwaway secrets) and the benchmark's settings module `bench.settings`
(sro_portal.settings plus a URL conf with a hello-world view and an admin site for the peers).
The `sro_portal`, `sro_portal_bench` and `test_sro_portal*` databases are never touched here.

Two database roles, as in production (README, "Row-level security"): the seed, `migrate` and
`rls_setup` connect as the owner (`postgres`, a superuser: row-level security does not apply to
it); the measured pages connect as the application role APP_ROLE, under the policies, as the web
does. A superuser's plans are not the application's: a condition the planner may not evaluate
before a policy (a function not marked leakproof) cannot use an index under row-level security.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the project checkout
DATABASE = "sro_portal_scale"  # the only database the scale benchmark creates or drops
POSTGRES = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/7"  # broker URL (nothing is enqueued by these pages)
REDIS_CACHE_URL = "redis://127.0.0.1:6379/6"  # the cache: production has one, so this run too
BIG_AGENCY_SLUG = "metro"
# The application role of the benchmark (roles belong to the server, not to one database):
# created by app_role_setup(), a local throwaway with a fixed password.
APP_ROLE = "sro_portal_bench_app"
APP_PASSWORD = "sro-portal-bench"  # noqa: S105 (a local benchmark role)


def environment(*, secret_key: str | None = None, app_role: bool = False) -> dict[str, str]:
    """Production settings from the environment, as in reminders.py, with bench.settings;
    connected as the owner, or with `app_role` as the application role."""
    from cryptography.fernet import Fernet

    owner = f"{POSTGRES}/{DATABASE}"
    app = f"postgres://{APP_ROLE}:{APP_PASSWORD}@{POSTGRES.split('@', 1)[1]}/{DATABASE}"
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": app if app_role else owner,
        "DATABASE_APP_ROLE": APP_ROLE,
        "REDIS_URL": REDIS_URL,
        "REDIS_CACHE_URL": REDIS_CACHE_URL,
        "DEBUG": "0",
        "SECRET_KEY": secret_key or secrets.token_urlsafe(50),  # throwaway
        "MFA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": "https://127.0.0.1",
        "SMTP_HOST": "",  # console mail: nothing is sent by the measured pages
        "SMTP_USERNAME": "",
        "SMTP_PASSWORD": "",
        "LOG_LEVEL": "WARNING",
        "BENCH_AGENCY_SLUG": BIG_AGENCY_SLUG,
    }


def app_role_setup(env: dict[str, str]) -> None:
    """The application role with its grants and the policies (`rls_setup`, run as the owner;
    idempotent: a database seeded before the benchmark had the role gets it here)."""
    owner = env | {"DATABASE_URL": f"{POSTGRES}/{DATABASE}", "DATABASE_APP_PASSWORD": APP_PASSWORD}
    manage(owner, "rls_setup")


def python_path() -> str:
    return os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))


def recreate_database() -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        name = sql.Identifier(DATABASE)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def database_exists() -> bool:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
    return row is not None


def manage(env: dict[str, str], *args: str) -> None:
    """`manage.py <args>` in a child process with this environment (bench.settings)."""
    command = [sys.executable, "manage.py", *args]
    child_env = os.environ | env | {"PYTHONPATH": python_path()}
    subprocess.run(command, cwd=ROOT, env=child_env, check=True)  # noqa: S603
