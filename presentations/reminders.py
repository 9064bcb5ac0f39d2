"""The presentations app's reminder kinds, and the scheduling the services call.

- a talk coming up, 3 days and 1 day before (9:00 agency time), to its presenters and to the
  person who asked for it;
- a request still waiting 7 days after it was made, to the school's primary SROs (the agency's
  supervisors when the school has none);
- after delivery, the feedback request with its one-time link, to the person who asked for it.
"""

from datetime import time, timedelta

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from presentations.models import Feedback, Presentation
from presentations.tokens import feedback_token
from schools.reminders import primary_officers
from sro_portal.accounts.models import Role, User
from sro_portal.reminders.registry import Message, ReminderKind, register
from sro_portal.reminders.services import reminder_schedule, reminders_cancel
from sro_portal.reminders.timing import at_local_time, days_before

UPCOMING_3_DAYS = "presentations.upcoming_3_days"
UPCOMING_1_DAY = "presentations.upcoming_1_day"
REQUEST_WAITING = "presentations.request_waiting"
FEEDBACK_REQUEST = "presentations.feedback_request"
AT = time(9, 0)
WAITING_AFTER = timedelta(days=7)


# --- Scheduling ---------------------------------------------------------------------------------


def _talk_people(presentation: Presentation) -> set[User]:
    people = {person for person in presentation.presenters.all() if person.is_active}
    if presentation.requested_by.is_active:
        people.add(presentation.requested_by)
    return people


def schedule_upcoming(presentation: Presentation) -> None:
    tz = presentation.school.agency.tzinfo
    now = timezone.now()
    plan = {
        UPCOMING_3_DAYS: days_before(tz, presentation.scheduled_at, 3, AT),
        UPCOMING_1_DAY: days_before(tz, presentation.scheduled_at, 1, AT),
    }
    for person in _talk_people(presentation):
        for kind, due_at in plan.items():
            if due_at > now:  # a talk booked for tomorrow gets no "in three days"
                reminder_schedule(kind=kind, obj=presentation, recipient=person, due_at=due_at)


def cancel_upcoming(presentation: Presentation) -> None:
    reminders_cancel(obj=presentation, kinds=[UPCOMING_3_DAYS, UPCOMING_1_DAY])


def _request_watchers(presentation: Presentation):
    school = presentation.school
    officers = list(primary_officers(school, school.agency.today()))
    if officers:
        return officers
    return User.objects.filter(
        agency_id=presentation.agency_id, role=Role.SUPERVISOR, is_active=True
    )


def schedule_request_waiting(presentation: Presentation) -> None:
    tz = presentation.school.agency.tzinfo
    asked_on = timezone.localtime(presentation.created_at, tz).date()
    due_at = at_local_time(tz, asked_on + WAITING_AFTER, AT)
    for person in _request_watchers(presentation):
        reminder_schedule(kind=REQUEST_WAITING, obj=presentation, recipient=person, due_at=due_at)


def cancel_request_waiting(presentation: Presentation) -> None:
    reminders_cancel(obj=presentation, kinds=[REQUEST_WAITING])


def schedule_feedback_request(feedback: Feedback) -> None:
    requester = feedback.presentation.requested_by
    reminder_schedule(
        kind=FEEDBACK_REQUEST, obj=feedback, recipient=requester, due_at=timezone.now()
    )


def cancel_feedback_request(feedback: Feedback) -> None:
    reminders_cancel(obj=feedback, kinds=[FEEDBACK_REQUEST])


def cancel_all(presentation: Presentation) -> None:
    reminders_cancel(obj=presentation)


# --- Wording ------------------------------------------------------------------------------------


def _when(presentation: Presentation) -> str:
    local = timezone.localtime(presentation.scheduled_at, presentation.school.agency.tzinfo)
    return formats.date_format(local, "DATETIME_FORMAT")


def _link(presentation: Presentation) -> str:
    return reverse("presentations:detail", args=[presentation.pk])


def _render_upcoming(reminder, presentation: Presentation) -> Message:
    facts = {
        "topic": presentation.topic.title,
        "school": presentation.school.name,
        "when": _when(presentation),
        "room": presentation.room or _("room to be confirmed"),
        "classes": presentation.classes,
    }
    return Message(
        subject=_("Presentation “%(topic)s” at %(school)s on %(when)s") % facts,
        body=_(
            "The presentation “%(topic)s” is planned at %(school)s on %(when)s (%(room)s) for "
            "%(classes)s. Check what the school asked for in SRO Portal."
        )
        % facts,
        link=_link(presentation),
    )


def _render_waiting(reminder, presentation: Presentation) -> Message:
    facts = {"topic": presentation.topic.title, "school": presentation.school.name}
    return Message(
        subject=_("A presentation request from %(school)s is waiting") % facts,
        body=_(
            "%(school)s asked for the presentation “%(topic)s” a week ago and it has no date "
            "yet. Schedule it, or cancel it with the reason."
        )
        % facts,
        link=_link(presentation),
    )


def _render_feedback(reminder, feedback: Feedback) -> Message:
    presentation = feedback.presentation
    facts = {
        "topic": presentation.topic.title,
        "school": presentation.school.name,
        "until": formats.date_format(
            timezone.localtime(feedback.expires_at, presentation.school.agency.tzinfo),
            "DATE_FORMAT",
        ),
    }
    return Message(
        subject=_("How was the presentation “%(topic)s”?") % facts,
        body=_(
            "The presentation “%(topic)s” was given at %(school)s. Please rate how useful it "
            "was and how well it fit the class: it takes a minute and needs no account. You may "
            "pass the link on to the teacher of the class; it works once, until %(until)s."
        )
        % facts,
        link=reverse("presentations:feedback", args=[feedback_token(feedback)]),
    )


def _feedback_open(reminder, feedback: Feedback) -> bool:
    return feedback.answered_at is None and timezone.now() < feedback.expires_at


def register_kinds() -> None:
    scheduled = lambda reminder, talk: talk.status == Presentation.Status.SCHEDULED  # noqa: E731
    for key, label in [
        (UPCOMING_3_DAYS, gettext_lazy("A presentation I give or asked for, in 3 days")),
        (UPCOMING_1_DAY, gettext_lazy("A presentation I give or asked for, tomorrow")),
    ]:
        register(ReminderKind(key=key, label=label, render=_render_upcoming, still_due=scheduled))
    register(
        ReminderKind(
            key=REQUEST_WAITING,
            label=gettext_lazy("A presentation request waiting a week for a date"),
            render=_render_waiting,
            still_due=lambda reminder, talk: talk.status == Presentation.Status.REQUESTED,
        )
    )
    register(
        ReminderKind(
            key=FEEDBACK_REQUEST,
            label=gettext_lazy("Feedback asked on a presentation I requested"),
            render=_render_feedback,
            still_due=_feedback_open,
        )
    )
