import time

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_htmx.http import HttpResponseClientRedirect

# Pages a signed-in user without MFA may still reach: enrolment itself, signing out, the
# health check, language switching and the browser's CSP reports.
# Full view names (namespace included): a page of another app named "language" is not open.
OPEN_URL_NAMES = frozenset(
    {
        "account_logout",
        "account_reauthenticate",
        "healthz",
        "set_language",
        "accounts:language",
        "csp_report",
    }
)
SESSION_FLAG = "mfa_enrolled"


class MFARequiredMiddleware:
    """Sends every signed-in user who has not enrolled in MFA to the enrolment page.

    allauth has no setting that forces MFA; this is that setting. MFA_REQUIRED=0 turns it off
    for the local demo only (settings.py refuses it without DEBUG).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.MFA_REQUIRED or not request.user.is_authenticated:
            return None
        if not getattr(view_func, "login_required", True):
            # A page open to anyone (a feedback link, a calendar feed) asks nothing of a
            # signed-in visitor either.
            return None
        if request.session.get(SESSION_FLAG) == request.user.pk:
            return None
        match = request.resolver_match
        view_name = (match.view_name or "") if match else ""
        if view_name.startswith("mfa_") or view_name in OPEN_URL_NAMES:
            return None
        if get_mfa_adapter().is_mfa_enabled(request.user):
            # Remember it for this session; the last authenticator cannot be removed
            # (accounts.adapters.MFAAdapter.can_delete_authenticator).
            request.session[SESSION_FLAG] = request.user.pk
            return None
        messages.info(
            request,
            _(
                "Your agency requires two-factor authentication. Activate an authenticator app "
                "or add a security key to continue."
            ),
        )
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(settings.MFA_ENROL_URL)
        return redirect(settings.MFA_ENROL_URL)


SIGNED_IN_AT = "signed_in_at"
LAST_SEEN = "last_seen"
# The idle clock is written at most once a minute: a session write on every page would cost a
# query each time for a precision nobody needs.
LAST_SEEN_GRANULARITY = 60


def session_started(sender, request, user, **kwargs):
    """user_logged_in receiver (accounts.apps): the absolute clock starts at sign-in."""
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now


class SessionTimeoutMiddleware:
    """Signs out a session idle for SESSION_IDLE_TIMEOUT, or older than SESSION_COOKIE_AGE.

    Every request a signed-in user makes counts as activity, except the htmx polls of a view
    marked `@background_poll` (accounts.decorators): a page left open while it polls would
    otherwise never be idle.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.setdefault(SIGNED_IN_AT, now)
            last_seen = request.session.setdefault(LAST_SEEN, now)
            if now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                minutes = settings.SESSION_IDLE_TIMEOUT // 60
                reason = ngettext(
                    "You were signed out after %(minutes)s minute without activity.",
                    "You were signed out after %(minutes)s minutes without activity.",
                    minutes,
                )
                return _signed_out(request, reason % {"minutes": minutes})
            if now - started > settings.SESSION_COOKIE_AGE:
                hours = settings.SESSION_COOKIE_AGE // 3600
                reason = ngettext(
                    "You were signed out %(hours)s hour after signing in.",
                    "You were signed out %(hours)s hours after signing in.",
                    hours,
                )
                return _signed_out(request, reason % {"hours": hours})
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        polled = getattr(view_func, "background_poll", False)
        if polled and request.headers.get("HX-Request") == "true":
            return None
        now = time.time()
        if now - request.session[LAST_SEEN] >= LAST_SEEN_GRANULARITY:
            request.session[LAST_SEEN] = now
        return None


def _signed_out(request, message: str):
    logout(request)
    messages.info(request, _("%(reason)s Sign in again to continue.") % {"reason": message})
    login_url = reverse(settings.LOGIN_URL)
    if request.headers.get("HX-Request") == "true":  # before HtmxMiddleware sets request.htmx
        return HttpResponseClientRedirect(login_url)
    return redirect_to_login(request.get_full_path(), login_url)
