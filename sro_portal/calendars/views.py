"""A user's private calendar link: the settings page (signed in) and the feed (by token)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from sro_portal.accounts.decorators import role_required
from sro_portal.accounts.models import Role
from sro_portal.calendars import selectors, services
from sro_portal.calendars.ics import feed_calendar
from sro_portal.calendars.models import CalendarFeed
from sro_portal.calendars.tokens import feed_token
from sro_portal.core.ratelimit import rate_limit
from sro_portal.i18n import language_of

CREATE, ROTATE, REVOKE = "create", "rotate", "revoke"


def feed_url(feed: CalendarFeed) -> str:
    """The feed's absolute URL, to paste into a calendar app."""
    path = reverse("calendars:feed", kwargs={"token": feed_token(feed)})
    return settings.SITE_URL.rstrip("/") + path


def _webcal(url: str) -> str:
    """The same URL with the webcal scheme, which calendar apps open as a subscription."""
    return "webcal://" + url.split("://", 1)[-1]


@never_cache  # the page shows a credential
@require_http_methods(["GET", "POST"])
@role_required(*Role.values)
def feed_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _feed_action(request, request.POST.get("action", ""))
    feed = selectors.feed_of(request.user)
    url = feed_url(feed) if feed else None
    return render(
        request,
        "calendars/feed_settings.html",
        {"feed": feed, "feed_url": url, "webcal_url": _webcal(url) if url else None},
    )


def _feed_action(request: HttpRequest, action: str) -> HttpResponse:
    if action not in {CREATE, ROTATE, REVOKE}:
        return HttpResponseBadRequest()
    user = request.user
    if action == CREATE and selectors.feed_of(user) is not None:
        # A second tab or a double click: keep the link the user may already have pasted.
        messages.info(request, _("You already have a calendar link. It is shown below."))
    elif action == REVOKE:
        if services.feed_revoke(user=user):
            messages.success(request, _("Your calendar link is turned off. It no longer works."))
        else:
            messages.info(request, _("You have no calendar link to turn off."))
    else:
        services.feed_create_or_rotate(user=user)
        if action == ROTATE:
            messages.success(
                request,
                _(
                    "Your new calendar link is ready. The old one no longer works: replace it "
                    "in your calendar app."
                ),
            )
        else:
            messages.success(request, _("Your calendar link is ready. Add it to your calendar."))
    return redirect("calendars:settings")


@login_not_required  # calendar apps cannot sign in: the signed token is the credential
@never_cache
@require_safe
@rate_limit("token")
def feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    feed = selectors.feed_for_token(token)
    if feed is None:
        # The same plain answer for a malformed, forged, replaced or turned-off link.
        return HttpResponseNotFound(_("Not found."), content_type="text/plain; charset=utf-8")
    now = timezone.now()
    # A calendar app asks, not the user: the events are worded in the feed owner's language.
    with translation.override(language_of(feed.user)):
        calendar = feed_calendar(
            feed,
            selectors.feed_drill_qs(feed, now=now),
            selectors.feed_presentation_qs(feed, now=now),
        )
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="sro-portal.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
