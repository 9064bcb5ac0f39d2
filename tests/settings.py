"""Test settings: the production settings, with the secrets a test run needs and a fast hasher.

pytest-django loads settings before any conftest runs, so the environment defaults that
`sro_portal.settings` requires (SECRET_KEY, MFA_ENCRYPTION_KEYS) are set here. DATABASE_URL and
REDIS_URL come from the caller: PostgreSQL and Redis when named (CI), SQLite otherwise.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-" + "k" * 40)
os.environ.setdefault("MFA_ENCRYPTION_KEYS", "dGVzdHMtb25seS1rZXktZm9yLW1mYS1zZWNyZXRzLSE=")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# One connection per thread, no pool: the test process runs the live server's threads and two
# Celery worker threads beside the tests, and a shared pool of 8 could run dry among them.
os.environ.setdefault("DATABASE_POOL", "0")

from sro_portal.settings import *  # noqa: F403

# Hashing with PBKDF2's full work factor would dominate the suite's time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests run over http; production cookies are Secure (settings.py).
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# A browser keeps a __Host- cookie only when Secure: the browser tests' plain names.
SESSION_COOKIE_NAME = "sessionid"
CSRF_COOKIE_NAME = "csrftoken"
# Uploads of the test run go to a directory of their own, removed by the OS's tmp cleaning.
MEDIA_ROOT = tempfile.mkdtemp(prefix="sro-portal-test-media-")
# Static files are served by the finders in tests (no collectstatic run beforehand).
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The tests' broker and cache live in Redis databases of their own, apart from a developer's
# local worker and apart from each other: every test clears the cache (FLUSHDB), which would
# also wipe the broker's queue bindings and make later tasks vanish.
# Under pytest-xdist each worker (gw0, gw1, ...) takes its own pair, counting down from 15/14,
# as pytest-django gives it its own database; the Celery worker processes of the integration
# tests inherit PYTEST_XDIST_WORKER and so land on their test worker's pair.
if REDIS_URL:  # noqa: F405
    _server = REDIS_URL.rsplit("/", 1)[0]  # noqa: F405
    _worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    if _worker > 3:
        raise RuntimeError("Redis databases 15 down to 8 hold four test workers at most.")
    CELERY_BROKER_URL = REDIS_URL = f"{_server}/{15 - 2 * _worker}"
    CACHES["default"]["LOCATION"] = f"{_server}/{14 - 2 * _worker}"  # noqa: F405
