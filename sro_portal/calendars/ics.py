"""The iCalendar document of a feed: one event per drill and one per presentation.

What goes in is limited on purpose (DESIGN.md: no student names in calendar feeds): kind or
topic, school, time, status and a link back to the portal. No observations, no reasons, no
people (no requester, no presenters, no classes).
"""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from icalendar import CLASS, STATUS, Calendar, Event, vDuration

from presentations.models import Presentation
from schools.models import Drill
from sro_portal.calendars.models import CalendarFeed

# A drill with no recorded end is shown this long.
DEFAULT_DURATION = timedelta(minutes=30)
# How often calendar apps that honour it fetch the feed again (Google Calendar ignores it).
REFRESH_INTERVAL = timedelta(hours=1)
PRODID = "-//SRO Portal//Calendar feed//EN"


def feed_calendar(
    feed: CalendarFeed, drills: Iterable[Drill], presentations: Iterable[Presentation] = ()
) -> Calendar:
    agency = feed.user.agency
    calendar = Calendar.new(
        name=_("SRO Portal: %(agency)s") % {"agency": agency.name},
        prodid=PRODID,
        # Stable per feed, and not derived from the key (which is the credential).
        uid=f"feed-{feed.pk}@sro-portal",
    )
    # RFC 7986 requires the VALUE parameter, which icalendar's `refresh_interval=` leaves out.
    calendar.add("REFRESH-INTERVAL", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH_INTERVAL))  # Outlook's name for it
    for drill in drills:
        calendar.add_component(drill_event(drill))
    for presentation in presentations:
        calendar.add_component(presentation_event(presentation))
    return calendar


def drill_event(drill: Drill) -> Event:
    start = drill.started_at or drill.planned_at
    end = drill.ended_at if drill.ended_at and drill.ended_at > start else start + DEFAULT_DURATION
    return Event.new(
        uid=f"drill-{drill.pk}@sro-portal",
        stamp=drill.updated_at,
        last_modified=drill.updated_at,
        start=start,
        end=end,
        summary=_drill_summary(drill),
        location=_school_location(drill.school),
        description=_("Status: %(status)s") % {"status": drill.get_status_display()},
        status=STATUS.CONFIRMED,
        # Shared calendars then show "busy" rather than the drill (an unannounced one above all).
        classification=CLASS.PRIVATE,
        url=drill_url(drill.pk),
    )


def _drill_summary(drill: Drill) -> str:
    summary = _("%(kind)s drill · %(school)s") % {
        "kind": drill.get_kind_display(),
        "school": drill.school.name,
    }
    if not drill.announced:
        summary = _("%(summary)s (unannounced)") % {"summary": summary}
    return summary


def presentation_event(presentation: Presentation) -> Event:
    """A scheduled or delivered talk, for its topic's length. The status is all the description
    says: the requester, presenters, classes and what the school asked for stay in the portal."""
    start = presentation.scheduled_at
    return Event.new(
        uid=f"presentation-{presentation.pk}@sro-portal",
        stamp=presentation.updated_at,
        last_modified=presentation.updated_at,
        start=start,
        end=start + timedelta(minutes=presentation.topic.minutes),
        summary=_("%(topic)s · %(school)s")
        % {"topic": presentation.topic.title, "school": presentation.school.name},
        location=", ".join(part for part in (presentation.school.name, presentation.room) if part),
        description=_("Status: %(status)s") % {"status": presentation.get_status_display()},
        status=STATUS.CONFIRMED,
        classification=CLASS.PRIVATE,
        url=presentation_url(presentation.pk),
    )


def _school_location(school) -> str:
    return ", ".join(part for part in (school.name, school.address) if part)


def drill_url(pk: int) -> str | None:
    """The drill's page in the portal, absolute; None while the schools app has no such page
    (the link appears in the feed once "schools:drill_detail" exists)."""
    try:
        path = reverse("schools:drill_detail", kwargs={"pk": pk})
    except NoReverseMatch:
        return None
    return settings.SITE_URL.rstrip("/") + path


def presentation_url(pk: int) -> str | None:
    """The presentation's page in the portal, absolute; None where no such page is routed."""
    try:
        path = reverse("presentations:detail", kwargs={"pk": pk})
    except NoReverseMatch:
        return None
    return settings.SITE_URL.rstrip("/") + path
