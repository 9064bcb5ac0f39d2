"""PAYOFF reminders: an agreement due soon (7 days before), overdue (the day after), and the 6-
and 12-month check-ins. To the officer responsible. No student's name in any of them."""

from datetime import time, timedelta

from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from payoff.models import Agreement, CheckIn
from sro_portal.reminders.registry import Message, ReminderKind, register
from sro_portal.reminders.services import reminder_schedule, reminders_cancel
from sro_portal.reminders.timing import at_local_time

DUE_SOON = "payoff.due_soon"
OVERDUE = "payoff.overdue"
CHECK_IN = "payoff.check_in"
AT = time(9, 0)


def _link(name, pk) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return "/"


def schedule_agreement_reminders(agreement: Agreement) -> None:
    tz = agreement.agency.tzinfo
    for kind, day in (
        (DUE_SOON, agreement.due_on - timedelta(days=7)),
        (OVERDUE, agreement.due_on + timedelta(days=1)),
    ):
        reminder_schedule(
            kind=kind, obj=agreement, recipient=agreement.officer, due_at=at_local_time(tz, day, AT)
        )


def cancel_agreement_reminders(agreement: Agreement) -> None:
    reminders_cancel(obj=agreement, kinds=[DUE_SOON, OVERDUE])


def schedule_check_in(check_in: CheckIn) -> None:
    agreement = check_in.agreement
    reminder_schedule(
        kind=CHECK_IN,
        obj=check_in,
        recipient=agreement.officer,
        due_at=at_local_time(agreement.agency.tzinfo, check_in.due_on, AT),
    )


def cancel_check_in(check_in: CheckIn) -> None:
    reminders_cancel(obj=check_in, kinds=[CHECK_IN])


def _render_due(reminder, agreement: Agreement) -> Message:
    overdue = reminder.kind == OVERDUE
    subject = (
        _("A PAYOFF agreement is past its end date")
        if overdue
        else _("A PAYOFF agreement ends in a week")
    )
    return Message(
        subject=subject,
        body=_(
            "PAYOFF agreement #%(pk)s at %(school)s is to be completed by %(due)s. Check the "
            "work logged and complete it, or record why it was not completed."
        )
        % {
            "pk": agreement.pk,
            "school": agreement.school.name,
            "due": formats.date_format(agreement.due_on, "DATE_FORMAT"),
        },
        link=_link("payoff:detail", agreement.pk),
    )


def _render_check_in(reminder, check_in: CheckIn) -> Message:
    agreement = check_in.agreement
    return Message(
        subject=_("A PAYOFF %(months)s-month check-in is due") % {"months": check_in.months},
        body=_(
            "Agreement #%(pk)s at %(school)s was completed %(months)s months ago. Confirm whether "
            "the youth re-offended since: the portal proposes an answer from the incident log."
        )
        % {"pk": agreement.pk, "school": agreement.school.name, "months": check_in.months},
        link=_link("payoff:check_in", check_in.pk),
    )


def register_kinds() -> None:
    active = lambda reminder, agreement: agreement.status == Agreement.Status.ACTIVE  # noqa: E731
    register(
        ReminderKind(
            key=DUE_SOON,
            label=gettext_lazy("A PAYOFF agreement I lead ends in a week"),
            render=_render_due,
            still_due=active,
        )
    )
    register(
        ReminderKind(
            key=OVERDUE,
            label=gettext_lazy("A PAYOFF agreement I lead is past its end date"),
            render=_render_due,
            still_due=active,
        )
    )
    register(
        ReminderKind(
            key=CHECK_IN,
            label=gettext_lazy("A PAYOFF check-in is due"),
            render=_render_check_in,
            still_due=lambda reminder, check_in: check_in.reoffended is None,
        )
    )
