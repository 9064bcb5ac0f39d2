from django.utils import timezone
from django.utils.cache import add_never_cache_headers


class AgencyTimezoneMiddleware:
    """Shows times in the signed-in user's agency time zone (storage stays UTC)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.agency_id:
            timezone.activate(user.agency.tzinfo)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class NoStoreMiddleware:
    """Every answer to a signed-in user may carry student data: no cache keeps it.

    A view that sets its own Cache-Control (an officer's photo: private, kept an hour) decides
    for itself. Pages opened by a token link without an account (feedback, calendar feed,
    invitation) are no-store by their own `never_cache`. Static files never reach this
    middleware (WhiteNoise answers them first).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Read before the view: signing out ends the session but not the page that showed it.
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        if signed_in and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
