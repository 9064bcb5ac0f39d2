from django.utils import timezone


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
