"""Reads of calendar feeds, and of the drills and presentations a feed shows."""

from datetime import datetime, timedelta

from django.db.models import F, QuerySet

from presentations.models import Presentation
from presentations.selectors import presentation_qs_for
from schools.models import Drill
from schools.selectors import drill_qs_for
from sro_portal import rls
from sro_portal.calendars.models import CalendarFeed
from sro_portal.calendars.tokens import feed_key_from_token

# How far back the feed reaches; everything planned later (the future included) is in it.
PAST_WINDOW = timedelta(days=365)


def feed_for_token(token: str) -> CalendarFeed | None:
    """The active feed a URL token names, with its user and agency; None for anything else.

    Unscoped by design: the signed token is the calendar app's only credential. A deactivated
    user (or agency) has no feed.
    """
    key = feed_key_from_token(token)
    if key is None:
        return None
    # The feed row is found by its key alone (row-level security: sro_portal/rls.py); what the
    # feed shows is read with its agency set.
    with rls.key_lookup(key):
        feed = (
            CalendarFeed.objects.select_related("user__agency")
            .filter(
                key=key,
                is_active=True,
                user__is_active=True,
                user__agency__is_active=True,
                # Belt and braces: the feed's agency is its user's.
                user__agency_id=F("agency_id"),
            )
            .first()
        )
    if feed is not None:
        rls.set_agency(feed.agency_id)
    return feed


def feed_of(user) -> CalendarFeed | None:
    """The user's active feed, if they have one."""
    if not user.is_authenticated or user.agency_id is None:
        return None
    return CalendarFeed.objects.filter(agency_id=user.agency_id, user=user, is_active=True).first()


def feed_drill_qs(feed: CalendarFeed, *, now: datetime) -> QuerySet[Drill]:
    """The drills a feed shows: those of its user's schools (drill_qs_for decides which),
    not cancelled, planned within PAST_WINDOW before `now` or later. One query."""
    return (
        drill_qs_for(feed.user)
        .exclude(status=Drill.Status.CANCELLED)
        .filter(planned_at__gte=now - PAST_WINDOW)
        .select_related("school")
        .order_by("planned_at", "pk")
    )


# A talk is in a calendar once it has a date, and stays after it was given.
FEED_PRESENTATION_STATUSES = (Presentation.Status.SCHEDULED, Presentation.Status.DELIVERED)


def feed_presentation_qs(feed: CalendarFeed, *, now: datetime) -> QuerySet[Presentation]:
    """The presentations a feed shows: those its user sees (presentation_qs_for decides which),
    scheduled or delivered (not requested, not cancelled), dated within PAST_WINDOW before `now`
    or later. One query."""
    return (
        presentation_qs_for(feed.user)
        .filter(status__in=FEED_PRESENTATION_STATUSES, scheduled_at__gte=now - PAST_WINDOW)
        .select_related("school", "topic")
        .order_by("scheduled_at", "pk")
    )
