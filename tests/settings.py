"""Test settings: the production settings, with the secrets a test run needs and a fast hasher.

pytest-django loads settings before any conftest runs, so the environment defaults that
`sro_portal.settings` requires (SECRET_KEY, MFA_ENCRYPTION_KEYS) are set here. DATABASE_URL and
REDIS_URL come from the caller: PostgreSQL and Redis when named (CI), SQLite otherwise.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-" + "k" * 40)
os.environ.setdefault("MFA_ENCRYPTION_KEYS", "dGVzdHMtb25seS1rZXktZm9yLW1mYS1zZWNyZXRzLSE=")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from sro_portal.settings import *  # noqa: F403

# Hashing with PBKDF2's full work factor would dominate the suite's time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests run over http; production cookies are Secure (settings.py).
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Static files are served by the finders in tests (no collectstatic run beforehand).
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
