"""Which language a person sees: their own choice, else their agency's default, else (on pages)
the browser's. Pages get it from UserLanguageMiddleware; emails, reminders and PDFs render inside
`translation.override(language_of(user))` so each recipient reads their own language."""

from django.conf import settings
from django.utils import translation


def language_of(user) -> str:
    """The language to write to `user` in when there is no browser to ask (emails, reminders)."""
    return chosen_language(user) or settings.LANGUAGE_CODE


def agency_language(agency) -> str:
    """The agency's default, or the site's: what a newly invited person gets."""
    return agency.default_language or settings.LANGUAGE_CODE


class UserLanguageMiddleware:
    """After authentication: the signed-in user's language, else their agency's default. When
    neither is set, LocaleMiddleware's choice (cookie, then browser) stands."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = chosen_language(request.user)
        if not chosen:
            return self.get_response(request)
        request.LANGUAGE_CODE = chosen
        # override, not activate: the thread goes back to LocaleMiddleware's language after.
        with translation.override(chosen):
            response = self.get_response(request)
        # LocaleMiddleware (outside this one) keeps a Content-Language already set.
        response.headers.setdefault("Content-Language", chosen)
        return response


def chosen_language(user) -> str:
    """The user's language or their agency's default; "" when the browser decides."""
    if not user.is_authenticated:
        return ""
    if user.language:
        return user.language
    return user.agency.default_language if user.agency_id else ""
