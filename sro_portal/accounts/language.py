"""A signed-in member's choice of language: the page in the user menu, and the footer's switch.

Signed-out visitors switch with Django's set_language view (a cookie); a member's choice is saved
on their account, so it follows them to every device and to their emails."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from sro_portal.accounts import services
from sro_portal.accounts.forms import LanguageForm
from sro_portal.i18n import chosen_language


def language_settings(request):
    form = LanguageForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_language_set(actor=request.user, language=form.cleaned_data["language"])
        chosen = chosen_language(request.user)
        if chosen:
            # Now, so that the confirmation below is in the language just chosen.
            translation.activate(chosen)
        messages.success(request, _("Language saved."))
        response = redirect(_safe_next(request) or "accounts:language")
        # The cookie keeps the choice on the sign-in page after signing out; without a choice,
        # the browser's language applies again.
        if chosen:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, chosen, samesite="Lax")
        else:
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        return response
    return render(request, "accounts/language_form.html", {"form": form})


def _safe_next(request) -> str:
    """The page to go back to: a path on this site. Anything else (redirect() would take a
    bare word for a URL name and fail on it) goes to the language page."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""
