"""The officers app's reminder kind: confirm a referral's loop 14 days after it was made."""

from datetime import time, timedelta

from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from officers.models import Referral
from sro_portal.reminders.registry import Message, ReminderKind, register
from sro_portal.reminders.services import reminder_schedule, reminders_cancel
from sro_portal.reminders.timing import at_local_time

CONFIRM_REFERRAL = "referrals.confirm"
AFTER = timedelta(days=14)


def remind_to_confirm(referral: Referral) -> None:
    reminder_schedule(
        kind=CONFIRM_REFERRAL,
        obj=referral,
        recipient=referral.made_by,
        due_at=at_local_time(referral.agency.tzinfo, referral.made_on + AFTER, time(9, 0)),
    )


def cancel_confirmation(referral: Referral) -> None:
    reminders_cancel(obj=referral, kinds=[CONFIRM_REFERRAL])


def _render(reminder, referral: Referral) -> Message:
    # No student's name: the referral's date, partner and school say enough to find it.
    try:
        link = reverse("officers:referral_detail", args=[referral.pk])
    except NoReverseMatch:
        link = "/"
    return Message(
        subject=_("Confirm a referral to %(partner)s") % {"partner": referral.partner.name},
        body=_(
            "Two weeks ago (%(day)s) you referred a student of %(school)s to %(partner)s. Check "
            "with the partner whether the student engaged, and record the outcome."
        )
        % {
            "day": formats.date_format(referral.made_on, "DATE_FORMAT"),
            "school": referral.student.school.name,
            "partner": referral.partner.name,
        },
        link=link,
    )


def register_kinds() -> None:
    register(
        ReminderKind(
            key=CONFIRM_REFERRAL,
            label=gettext_lazy("A referral I made is due for follow-up"),
            render=_render,
            still_due=lambda reminder, referral: referral.is_open,
        )
    )
