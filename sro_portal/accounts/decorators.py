import time
from functools import wraps
from urllib.parse import urlencode

from allauth.account import app_settings as allauth_account_settings
from allauth.account.adapter import get_adapter
from allauth.account.internal.flows import reauthentication
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core.exceptions import ReauthenticationRequired
from allauth.core.internal.httpkit import serialize_request
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect


def role_required(*roles):
    """Let in only agency users of these roles (403 for the others).

    For pages that show no particular object. Pages about one object find it through a selector,
    which answers 404 to anyone who may not see it, whatever the reason.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated or user.agency_id is None or user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def recently_authenticated(request) -> bool:
    """Whether the user signed in or re-authenticated within ACCOUNT_REAUTHENTICATION_TIMEOUT.

    allauth's own `reauthentication_required` counts re-authentications only, and would ask for
    the password again right after signing in; a sign-in proves as much.
    """
    records = get_authentication_records(request, request.user)
    latest = max((record["at"] for record in records), default=0)
    return time.time() - latest < allauth_account_settings.REAUTHENTICATION_TIMEOUT


def recent_authentication_required(view=None, *, methods: tuple[str, ...] = ()):
    """Ask for the password (or an MFA code) again before `view` runs, when the last sign-in is
    not recent: for `methods` only when given (a form shows on GET, acts on POST).

    allauth's AccountMiddleware answers the exception: it sends the user to its re-authentication
    page and, once done, back to this URL, replaying a POST.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            checked = not methods or request.method in methods
            if checked and request.user.is_authenticated and not recently_authenticated(request):
                return _ask_to_reauthenticate(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view else decorator


def _ask_to_reauthenticate(request):
    if request.method != "POST" or not request.GET:
        raise ReauthenticationRequired  # allauth's middleware suspends the request
    # allauth replays a suspended POST only when `next` equals its path, which it takes with the
    # query string: a POST to `...?year=2025` would come back as a GET. Suspended here with the
    # bare path, it is replayed whole (the query string is kept in the suspended request).
    request.session[reauthentication.STATE_SESSION_KEY] = {"request": serialize_request(request)}
    url = get_adapter().get_reauthentication_methods(request.user)[0]["url"]
    return HttpResponseRedirect(f"{url}?{urlencode({REDIRECT_FIELD_NAME: request.path})}")


def background_poll(view):
    """Marks a view that htmx polls by itself (a status that refreshes every few seconds): those
    requests do not count as activity against the idle timeout (accounts.middleware)."""
    view.background_poll = True
    return view
