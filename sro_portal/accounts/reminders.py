"""The accounts core's reminder kind: an invitation about to expire unaccepted."""

from datetime import time

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sro_portal.reminders.registry import Message, ReminderKind, register
from sro_portal.reminders.services import reminder_schedule
from sro_portal.reminders.timing import days_before

INVITATION_EXPIRING = "accounts.invitation_expiring"
REMIND_AT = time(9, 0)


def _render(reminder, invitation) -> Message:
    expires = timezone.localtime(invitation.expires_at, invitation.agency.tzinfo)
    return Message(
        subject=_("An invitation you sent expires soon"),
        body=_(
            "The invitation you sent to %(email)s expires on %(when)s and has not been accepted. "
            "If they still need access, send it again from the Team page."
        )
        % {"email": invitation.email, "when": formats.date_format(expires, "DATETIME_FORMAT")},
        link=reverse("accounts:team"),
    )


def register_kinds() -> None:
    register(
        ReminderKind(
            key=INVITATION_EXPIRING,
            label=gettext_lazy("An invitation I sent is about to expire"),
            render=_render,
        )
    )


def remind_before_expiry(invitation) -> None:
    """Remind the inviter at 9:00 (agency time) the day before the invitation expires."""
    if invitation.invited_by is None:
        return
    reminder_schedule(
        kind=INVITATION_EXPIRING,
        obj=invitation,
        recipient=invitation.invited_by,
        due_at=days_before(invitation.agency.tzinfo, invitation.expires_at, 1, REMIND_AT),
    )
