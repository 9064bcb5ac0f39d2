"""SRO Portal settings, read from the environment (django-environ).

Safe defaults: DEBUG is off unless asked for; SECRET_KEY has no default outside DEBUG; signup is
closed. The local demo (`make run`) sets DEBUG=1 and MFA_REQUIRED=0 and needs no server at all:
SQLite, in-process Celery, console mail. See README.md, "Settings reference".
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from sro_portal import rls

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="local-demo-only-not-secret-" + "x" * 40)
else:
    SECRET_KEY = env.str("SECRET_KEY")  # raises ImproperlyConfigured when missing

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Applications -------------------------------------------------------------------------------

INSTALLED_APPS = [
    # Core (cross-cutting): accounts, audit and the shared UI pieces.
    "sro_portal.accounts",
    "sro_portal.audit",
    "sro_portal.reminders",
    "sro_portal.core",
    "sro_portal.dashboards",
    "sro_portal.calendars",
    "sro_portal.demo",
    # Domain apps, in the order their imports point (CONVENTIONS.md).
    "schools",
    "officers",
    "incidents",
    "payoff",
    "presentations",
    # Django.
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Third party.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "pgtrigger",
    "pghistory",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The signed-in user's agency for PostgreSQL's row-level security (sro_portal/rls.py).
    "sro_portal.rls.RowLevelSecurityMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "sro_portal.core.middleware.NoStoreMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "sro_portal.accounts.middleware.MFARequiredMiddleware",
    "sro_portal.core.middleware.AgencyTimezoneMiddleware",
    "sro_portal.i18n.UserLanguageMiddleware",
    "sro_portal.audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the messages: it says why the session ended.
    "sro_portal.accounts.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "sro_portal.urls"
WSGI_APPLICATION = "sro_portal.wsgi.application"
ASGI_APPLICATION = "sro_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sro_portal.reminders.context_processors.notifications",
            ],
        },
    },
]

# --- Data stores --------------------------------------------------------------------------------

# PostgreSQL when DATABASE_URL names it (production, CI, docker-compose); SQLite for the local demo.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
USING_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if USING_POSTGRES and env.bool("DATABASE_POOL", default=True):
    # psycopg 3 pool (STACK-NOTES: doubles list-page throughput). Incompatible with CONN_MAX_AGE.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=8),
        # A connection back in the pool forgets the agency of its last request or task.
        "reset": rls.pool_reset,
    }
if USING_POSTGRES:
    # No JIT compilation: PostgreSQL compiles a query to machine code once its estimated cost
    # passes jit_above_cost (100,000), which pays for long analytic scans and ruins web pages.
    # The audit trail's query (a union of 34 event tables) is estimated at about that on an empty
    # database, and runs in 7 ms: compiled, it took 1.3 s past that threshold and 13 s past
    # jit_optimize_above_cost (500,000), twice a page. Any real agency's data pushes it over.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
if not USING_POSTGRES:
    # The activity index's INCLUDE columns (a covering index for the lists' totals) only exist
    # on PostgreSQL; SQLite (the local demo) builds the index without them.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
# Row-level security (sro_portal/rls.py, README "Row-level security"): DATABASE_URL names the
# application role, which cannot bypass the policies; `migrate` and the purge worker run with
# DATABASE_URL naming the owner. The role that `migrate` and `rls_setup` grant the tables to:
DATABASE_APP_ROLE = env.str("DATABASE_APP_ROLE", default="")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # The cache (rate limits, used TOTP codes) gets a database apart from the broker's: a cache
    # may be flushed or evicted, a task queue must not be.
    REDIS_CACHE_URL = env.str("REDIS_CACHE_URL", default=REDIS_URL.rsplit("/", 1)[0] + "/1")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_CACHE_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Parts of the layout that depend on the language and the role only (the menu, the language
# list: templates/includes/navbar.html, templates/base.html), rendered once per process and kept
# in its memory: about a third of the layout's time. Not while developing (DEBUG), where a
# template edited would not show.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends."
    + ("dummy.DummyCache" if DEBUG else "locmem.LocMemCache"),
    "LOCATION": "fragments",
    "OPTIONS": {"MAX_ENTRIES": 1000},
}

# --- Celery (sro_portal/celery.py) --------------------------------------------------------------

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Without a broker (local demo), tasks run in process when they are enqueued.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# django-celery-beat does not install on Django 6.1: the schedule lives here, run by one beat.
CELERY_BEAT_SCHEDULE = {
    "dispatch-due-reminders": {
        "task": "sro_portal.reminders.tasks.dispatch_due_reminders_task",
        "schedule": 60.0,
        "options": {"expires": 55},  # a late run is dropped: the next one comes a minute later
    },
    # Destroys PAYOFF records whose access period has ended; every hour, so a missed run (or
    # day) is caught up at the next and each agency's date turns over on its own clock.
    "purge-expired-agreements": {
        "task": "payoff.tasks.purge_expired_agreements_task",
        "schedule": 60.0 * 60,
    },
    # Deletes the annual report PDFs older than a week (sro_portal/dashboards/tasks.py).
    "purge-old-report-files": {
        "task": "sro_portal.dashboards.tasks.report_files_purge_task",
        "schedule": 60.0 * 60,
    },
}
# The purge deletes the audit trail's copies of destroyed records, which only the owner role
# may do (sro_portal/rls.py): with CELERY_OWNER_QUEUE set, it goes to that queue, consumed by a
# worker connected as the owner (docker-compose.yml, `worker-owner`).
CELERY_OWNER_QUEUE = env.str("CELERY_OWNER_QUEUE", default="")
if CELERY_OWNER_QUEUE:
    CELERY_TASK_ROUTES = {
        "payoff.tasks.purge_expired_agreements_task": {"queue": CELERY_OWNER_QUEUE},
    }
# Without Redis (the local demo) `runserver` runs the same job on a timer (reminders.local_timer).
REMINDERS_LOCAL_TIMER = env.bool("REMINDERS_LOCAL_TIMER", default=DEBUG and not REDIS_URL)

# --- Accounts, allauth and MFA -------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["sro_portal.accounts.backends.AuthenticationBackend"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboards:home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "sro_portal.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# Invitations prove the address; accepting one records it as verified.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[SRO Portal] "
# Failed sign-ins: 10 a minute per IP, 5 per 5 minutes per account. allauth counts wrong MFA
# codes under the same limit, per user. The counters live in the cache (Redis in production).
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/300s/key"}
# The client IP of every rate limit (allauth's and core.ratelimit's) is the address the
# configured number of proxies vouch for: the last TRUSTED_PROXY_COUNT-th entry of
# X-Forwarded-For, which each proxy appends to. Entries a client forges come before it and are
# never read. Production runs behind one TLS proxy (README); 0 reads REMOTE_ADDR only.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0 if DEBUG else 1)
# Exports, disclosures, role and assignment changes ask for the password (or an MFA code) again
# when the last sign-in or re-authentication is older than this (accounts.decorators).
ACCOUNT_REAUTHENTICATION_TIMEOUT = 10 * 60

MFA_ADAPTER = "sro_portal.accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = "SRO Portal"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# Every user enrols before using the portal (accounts.middleware). Only the local demo may turn
# this off, and only with DEBUG on.
MFA_REQUIRED = env.bool("MFA_REQUIRED", default=True)
if not MFA_REQUIRED and not DEBUG:
    raise ImproperlyConfigured("MFA_REQUIRED may be turned off only for the local demo (DEBUG=1).")
# Fernet keys (comma-separated, newest first) that encrypt TOTP secrets and recovery seeds at rest.
MFA_ENCRYPTION_KEYS = env.list(
    "MFA_ENCRYPTION_KEYS",
    default=["bG9jYWwtZGVtby1vbmx5LW5vdC1zZWNyZXQtMzJieXQ="] if DEBUG else [],
)
if not MFA_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("Set MFA_ENCRYPTION_KEYS (a Fernet key) outside the local demo.")

# Sessions are recorded at sign-in; tracking every request would cost three queries a page.
USERSESSIONS_TRACK_ACTIVITY = False

INVITATION_VALID_DAYS = 7

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# A session ends after 30 minutes without a request, and 12 hours after signing in whatever
# happens (accounts.middleware.SessionTimeoutMiddleware).
SESSION_IDLE_TIMEOUT = 30 * 60
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Mail (Django 6.1 MAILERS; never mixed with the old EMAIL_* settings) -----------------------

DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="SRO Portal <no-reply@sro-portal.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SMTP_HOST = env.str("SMTP_HOST", default="")
if SMTP_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": SMTP_HOST,
                "port": env.int("SMTP_PORT", default=587),
                "username": env.str("SMTP_USERNAME", default=""),
                "password": env.str("SMTP_PASSWORD", default=""),
                "use_tls": env.bool("SMTP_USE_TLS", default=True),
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

# --- Internationalisation -----------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Dates, times and numbers per language (fr: fr-CA usage, 24-hour "14 h 30", comma decimals).
FORMAT_MODULE_PATH = "sro_portal.formats"
USE_TZ = True
# Storage is UTC; pages show the agency's time zone (core.middleware activates it per request).
TIME_ZONE = "UTC"
DEFAULT_AGENCY_TIME_ZONE = "America/Edmonton"

# --- Static files -------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploads (officer photos, presentation materials): private, served only through views that
# check who asks (sro_portal/core/uploads.py). There is no MEDIA_URL on purpose.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Django's, with <select> drawn in Python (a 300-school select cost more than the page's SQL).
FORM_RENDERER = "sro_portal.core.forms.FormRenderer"
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security -----------------------------------------------------------------------------------

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    # allauth draws the TOTP QR code as a data: image.
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    # Violations are posted to core.views.csp_report (logged, rate limited).
    "report-uri": ["/csp-report"],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "sro_portal.core.views.csrf_failure"

# Hits per window in seconds, per client IP and per person (the signed-in user, or the token of a
# link opened without an account): core.ratelimit. allauth limits sign-ins (ACCOUNT_RATE_LIMITS).
PORTAL_RATE_LIMITS = {
    "search": {"user": (30, 60), "ip": (60, 60)},
    "export": {"user": (30, 60), "ip": (60, 60)},  # the dashboard has 27 tables
    "token": {"user": (10, 60), "ip": (60, 60)},
    "csp_report": {"ip": (20, 60)},
}

if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies: the browser keeps them only when Secure, Path=/ and without Domain, so
    # no other host (a sibling subdomain) can set or overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# --- Audit trail (django-pghistory; PostgreSQL only) --------------------------------------------

PGHISTORY_APPEND_ONLY = True
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# --- Logging ------------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},  # a line per PDF page otherwise
    },
}

# Where the MFA middleware sends users who have not enrolled yet (allauth's MFA overview page,
# which offers an authenticator app or a security key).
MFA_ENROL_URL = "/accounts/2fa/"

# The portal's public address, for links in emails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
