"""The incident log's reminder kind: a follow-up due, to its owner, at 9:00 on its due date."""

from datetime import time

from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.models import FollowUp
from sro_portal.reminders.registry import Message, ReminderKind, register
from sro_portal.reminders.services import reminder_schedule, reminders_cancel
from sro_portal.reminders.timing import at_local_time

FOLLOW_UP_DUE = "incidents.follow_up_due"


def remind_follow_up(follow_up: FollowUp) -> None:
    reminder_schedule(
        kind=FOLLOW_UP_DUE,
        obj=follow_up,
        recipient=follow_up.owner,
        due_at=at_local_time(follow_up.agency.tzinfo, follow_up.due_on, time(9, 0)),
    )


def cancel_follow_up(follow_up: FollowUp) -> None:
    reminders_cancel(obj=follow_up, kinds=[FOLLOW_UP_DUE])


def _render(reminder, follow_up: FollowUp) -> Message:
    # The follow-up's own words are written by police about a youth record: the email says only
    # that one is due, where and since when; the portal shows the rest after sign-in.
    incident = follow_up.incident
    try:
        link = reverse("incidents:detail", args=[incident.pk])
    except NoReverseMatch:
        link = "/"
    return Message(
        subject=_("An incident follow-up is due"),
        body=_(
            "A follow-up you own on the %(category)s incident of %(day)s at %(school)s is due "
            "on %(due)s. Open the incident to see it and mark it done."
        )
        % {
            "category": incident.get_category_display().lower(),
            "day": formats.date_format(incident.occurred_at.date(), "DATE_FORMAT"),
            "school": incident.school.name,
            "due": formats.date_format(follow_up.due_on, "DATE_FORMAT"),
        },
        link=link,
    )


def register_kinds() -> None:
    register(
        ReminderKind(
            key=FOLLOW_UP_DUE,
            label=gettext_lazy("An incident follow-up I own is due"),
            render=_render,
            still_due=lambda reminder, follow_up: follow_up.done_on is None,
        )
    )
