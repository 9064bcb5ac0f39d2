from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

# Pages a signed-in user without MFA may still reach: enrolment itself, signing out, the
# health check and language switching.
OPEN_URL_NAMES = frozenset({"account_logout", "account_reauthenticate", "healthz", "set_language"})
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
        url_name = (match.url_name or "") if match else ""
        if url_name.startswith("mfa_") or url_name in OPEN_URL_NAMES:
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
