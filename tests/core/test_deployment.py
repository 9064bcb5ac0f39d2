"""Production settings pass Django's deployment checks, and the README's local run starts."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from sro_portal.demo.seed import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def _production_env(**extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DEBUG",
            "MFA_REQUIRED",
            "DJANGO_SETTINGS_MODULE",
            "SECURE_SSL_REDIRECT",
            "DJANGO_ALLOW_ASYNC_UNSAFE",  # set for the browser tests only
        }
    }
    env.update(
        DJANGO_SETTINGS_MODULE="sro_portal.settings",
        SECRET_KEY=Fernet.generate_key().decode() * 2,
        MFA_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="sro.example.org",
        SMTP_HOST="smtp.example.org",
        **extra,
    )
    return env


def test_check_deploy_passes_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# Run inside `manage.py shell` with the production settings: a page over HTTPS, and the settings
# that make the session cookie (which needs a database to be sent).
PRODUCTION_PROBE = """
import json
from django.conf import settings
from django.test import Client, override_settings

# Only the static files' storage changes: the manifest exists after collectstatic only.
static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
with override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}):
    page = Client().get("/accounts/login/", secure=True, headers={"host": "sro.example.org"})
print(json.dumps({
    "status": page.status_code,
    "hsts": page.get("Strict-Transport-Security"),
    "cookies": {name: dict(morsel.items()) for name, morsel in page.cookies.items()},
    "session": [settings.SESSION_COOKIE_NAME, settings.SESSION_COOKIE_SECURE,
                settings.SESSION_COOKIE_PATH, settings.SESSION_COOKIE_DOMAIN,
                settings.SESSION_COOKIE_HTTPONLY],
    "trusted_proxies": settings.ALLAUTH_TRUSTED_PROXY_COUNT,
}))
"""


def _production_probe(**extra) -> dict:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        # No query is made: an empty in-memory database proves it.
        env=_production_env(DATABASE_URL="sqlite://:memory:", REDIS_URL="", **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def probe() -> dict:
    return _production_probe()


def test_production_sends_hsts_for_a_year_with_subdomains(probe):
    assert probe["status"] == 200
    assert probe["hsts"] == "max-age=31536000; includeSubDomains; preload"


def test_production_cookies_are_host_only_and_secure(probe):
    csrf = probe["cookies"]["__Host-csrftoken"]
    # __Host-: the browser refuses the cookie unless Secure, Path=/ and without Domain.
    assert (csrf["secure"], csrf["path"], csrf["domain"]) == (True, "/", "")
    assert csrf["httponly"] is True and csrf["samesite"] == "Lax"
    assert probe["session"] == ["__Host-sessionid", True, "/", None, True]


def test_production_trusts_exactly_the_configured_proxies(probe):
    assert probe["trusted_proxies"] == 1  # the TLS proxy of the README
    assert _production_probe(TRUSTED_PROXY_COUNT="2")["trusted_proxies"] == 2


WSGI_PROBE = """
import gc, json, sys
from sro_portal.wsgi import application
print(json.dumps({"frozen": gc.get_freeze_count(), "views": "schools.views" in sys.modules}))
"""


def test_gunicorn_s_application_takes_start_up_objects_out_of_the_collector():
    """gunicorn loads sro_portal.wsgi: after it, the views are imported and start-up's objects
    frozen, so full collections no longer walk them in the middle of a request."""
    result = subprocess.run(
        [sys.executable, "-c", WSGI_PROBE],
        cwd=ROOT,
        env=_production_env(DATABASE_URL="sqlite://:memory:", REDIS_URL=""),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["views"] and loaded["frozen"] > 50_000, loaded


@pytest.mark.parametrize(
    ("missing", "message"),
    [("SECRET_KEY", "SECRET_KEY"), ("MFA_ENCRYPTION_KEYS", "MFA_ENCRYPTION_KEYS")],
)
def test_production_refuses_to_start_without_its_secrets(missing, message):
    env = _production_env()
    env.pop(missing)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_migrations_are_checked_on_a_bare_checkout(tmp_path):
    """`manage.py makemigrations --check` needs none of the production secrets (manage.py's
    OFFLINE_COMMANDS): run with nothing but PATH, it finds the models and migrations in step."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bare.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_mfa_can_be_turned_off_only_with_debug():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=_production_env(MFA_REQUIRED="0"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "MFA_REQUIRED may be turned off only" in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_readme_local_run_starts_and_answers_healthz(tmp_path):
    """`make run` on a fresh SQLite file: migrate, seed the demo, serve, answer /healthz."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    process = subprocess.Popen(
        [
            "make",
            "--no-print-directory",
            "run",
            f"PORT={port}",
            f"DEMO_DB={tmp_path / 'demo.sqlite3'}",
            f"VENV={Path(sys.executable).parent.parent}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        body = _wait_for(f"http://127.0.0.1:{port}/healthz", process, timeout=120)
        assert '"database": "ok"' in body
        login = urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5)
        assert "Sign in to SRO Portal" in login.read().decode()
        _walk_the_demo_as_its_supervisor(f"http://127.0.0.1:{port}")
    finally:
        os.killpg(process.pid, 15)
        output = process.communicate(timeout=30)[0]
    assert "admin@eps.demo" in output, output


# Pages whose figures are aggregated in SQL: SQL only PostgreSQL speaks must not reach the
# SQLite demo (a drill query in PostgreSQL's dialect once made these answer 500 there).
DEMO_PAGES = ["/dashboard/", "/compliance/", "/log/all/", "/incidents/", "/payoff/"]


def _walk_the_demo_as_its_supervisor(site: str) -> None:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    page = opener.open(f"{site}/accounts/login/", timeout=5).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "login": "supervisor@eps.demo", "password": DEMO_PASSWORD}
    ).encode()
    request = urllib.request.Request(
        f"{site}/accounts/login/", data=form, headers={"Referer": f"{site}/accounts/login/"}
    )
    home = opener.open(request, timeout=30)
    assert home.url.rstrip("/") == site, home.url  # signed in: sent to the home page
    for path in DEMO_PAGES:
        with opener.open(f"{site}{path}", timeout=60) as response:
            assert response.status == 200, path
            assert "Sign in to SRO Portal" not in response.read().decode(), path


def _wait_for(url: str, process, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("make run stopped:\n" + process.stdout.read())
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"{url} did not answer within {timeout} s")
