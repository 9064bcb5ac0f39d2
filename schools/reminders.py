"""The schools app's reminder kinds, and the scheduling the services call.

- a drill coming up, 7 days and 1 day before (9:00 agency time), to its leader and the school's
  admins;
- a scheduled drill not recorded by 9:00 the day after its date, to the same people;
- compliance at risk, three weeks before each term ends, to the school's admins and primary
  SROs (checked when it is due: no warning when the school is on track);
- a corrective action due, on its due date, to its owner.
"""

from datetime import datetime, time, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schools.models import CorrectiveAction, Drill, School
from sro_portal.accounts.models import User
from sro_portal.reminders.registry import Message, ReminderKind, register
from sro_portal.reminders.services import reminder_schedule, reminders_cancel
from sro_portal.reminders.timing import at_local_time, days_before

UPCOMING_WEEK = "drills.upcoming_week"
UPCOMING_DAY = "drills.upcoming_day"
NOT_RECORDED = "drills.not_recorded"
COMPLIANCE_AT_RISK = "drills.compliance_at_risk"
ACTION_DUE = "drills.corrective_action_due"
DRILL_KINDS = [UPCOMING_WEEK, UPCOMING_DAY, NOT_RECORDED]
AT = time(9, 0)
WARN_BEFORE_TERM_ENDS = timedelta(days=21)


# --- Who hears about what -----------------------------------------------------------------------


def school_admins(school: School):
    return User.objects.filter(
        agency_id=school.agency_id, is_active=True, school_memberships__school=school
    )


def primary_officers(school: School, day):
    # Assignments live in `officers`, which imports `schools`: named by relation, not imported.
    # One filter() call, so every condition applies to the same assignment row.
    return User.objects.filter(
        Q(assignments__ends_on__isnull=True) | Q(assignments__ends_on__gte=day),
        agency_id=school.agency_id,
        is_active=True,
        assignments__school=school,
        assignments__kind="primary",
        assignments__starts_on__lte=day,
    ).distinct()


def _drill_people(drill: Drill) -> set[User]:
    people = set(school_admins(drill.school))
    if drill.leader is not None and drill.leader.is_active:
        people.add(drill.leader)
    return people


# --- Scheduling ---------------------------------------------------------------------------------


def schedule_drill_reminders(drill: Drill) -> None:
    tz = drill.school.agency.tzinfo
    now = timezone.now()
    plan = {
        UPCOMING_WEEK: days_before(tz, drill.planned_at, 7, AT),
        UPCOMING_DAY: days_before(tz, drill.planned_at, 1, AT),
        NOT_RECORDED: days_before(tz, drill.planned_at, -1, AT),
    }
    for person in _drill_people(drill):
        for kind, due_at in plan.items():
            # A reminder of something already under way is noise: a drill booked for the day
            # after tomorrow gets no "next week" reminder.
            if kind == NOT_RECORDED or due_at > now:
                reminder_schedule(kind=kind, obj=drill, recipient=person, due_at=due_at)


def cancel_drill_reminders(drill: Drill) -> None:
    reminders_cancel(obj=drill, kinds=DRILL_KINDS)


def schedule_compliance_check(school: School) -> None:
    """Warn the school three weeks before the end of the next term (if it is then at risk)."""
    due_at = _next_check_time(school)
    for person in set(school_admins(school)) | set(primary_officers(school, due_at.date())):
        reminder_schedule(kind=COMPLIANCE_AT_RISK, obj=school, recipient=person, due_at=due_at)


def cancel_compliance_check(school: School) -> None:
    reminders_cancel(obj=school, kinds=[COMPLIANCE_AT_RISK])


def _next_check_time(school: School) -> datetime:
    agency = school.agency
    tz = agency.tzinfo
    now = timezone.now()
    day = agency.today()
    for _year in range(2):
        year = agency.school_year_for(day)
        for term in year.terms:
            due_at = at_local_time(tz, term.end - WARN_BEFORE_TERM_ENDS, AT)
            if due_at > now:
                return due_at
        day = year.end + timedelta(days=1)
    raise AssertionError("a school year always has a term ahead")


def schedule_corrective_action_reminder(action: CorrectiveAction) -> None:
    tz = action.drill.school.agency.tzinfo
    reminder_schedule(
        kind=ACTION_DUE,
        obj=action,
        recipient=action.owner,
        due_at=at_local_time(tz, action.due_on, AT),
    )


def cancel_corrective_action_reminder(action: CorrectiveAction) -> None:
    reminders_cancel(obj=action, kinds=[ACTION_DUE])


# --- Wording ------------------------------------------------------------------------------------


def _when(drill: Drill) -> str:
    local = timezone.localtime(drill.planned_at, drill.school.agency.tzinfo)
    return formats.date_format(local, "DATETIME_FORMAT")


def _drill_link(drill: Drill) -> str:
    return reverse("schools:drill_detail", args=[drill.pk])


def _render_upcoming(reminder, drill: Drill) -> Message:
    return Message(
        subject=_("%(kind)s drill at %(school)s on %(when)s")
        % {"kind": drill.get_kind_display(), "school": drill.school.name, "when": _when(drill)},
        body=_(
            "A %(kind)s drill is planned at %(school)s on %(when)s (%(announced)s). "
            "Record it in SRO Portal once it is done."
        )
        % {
            "kind": drill.get_kind_display().lower(),
            "school": drill.school.name,
            "when": _when(drill),
            "announced": _("announced") if drill.announced else _("unannounced"),
        },
        link=_drill_link(drill),
    )


def _render_not_recorded(reminder, drill: Drill) -> Message:
    return Message(
        subject=_("Drill at %(school)s not recorded yet") % {"school": drill.school.name},
        body=_(
            "The %(kind)s drill planned at %(school)s on %(when)s has no record yet. Record how "
            "it went, or cancel it with the reason if it did not take place."
        )
        % {
            "kind": drill.get_kind_display().lower(),
            "school": drill.school.name,
            "when": _when(drill),
        },
        link=_drill_link(drill),
    )


def _compliance_at_risk(reminder, school: School) -> bool:
    from schools.compliance import Status
    from schools.selectors import school_compliance_now

    cells = school_compliance_now(school)
    return any(cell.status in (Status.AT_RISK, Status.BEHIND) for cell in cells)


def _render_compliance(reminder, school: School) -> Message:
    return Message(
        subject=_("Drills at %(school)s are behind for this term") % {"school": school.name},
        body=_(
            "The term ends in three weeks and %(school)s has not done or planned every drill "
            "its board requires. Schedule the missing drills now."
        )
        % {"school": school.name},
        link=reverse("schools:school_detail", args=[school.pk]),
    )


def _next_compliance_check(reminder, school: School) -> None:
    if school.is_active:
        schedule_compliance_check(school)


def _render_action_due(reminder, action: CorrectiveAction) -> Message:
    return Message(
        subject=_("Corrective action due: %(what)s") % {"what": action.description[:80]},
        body=_(
            "After the %(kind)s drill at %(school)s, this was to be fixed by %(due)s: %(what)s. "
            "Mark it done in SRO Portal once it is."
        )
        % {
            "kind": action.drill.get_kind_display().lower(),
            "school": action.drill.school.name,
            "due": formats.date_format(action.due_on, "DATE_FORMAT"),
            "what": action.description,
        },
        link=_drill_link(action.drill),
    )


def register_kinds() -> None:
    still_scheduled = lambda reminder, drill: drill.status == Drill.Status.SCHEDULED  # noqa: E731
    for key, label, render in [
        (UPCOMING_WEEK, gettext_lazy("A drill at my school next week"), _render_upcoming),
        (UPCOMING_DAY, gettext_lazy("A drill at my school tomorrow"), _render_upcoming),
        (NOT_RECORDED, gettext_lazy("A drill not recorded the day after"), _render_not_recorded),
    ]:
        register(ReminderKind(key=key, label=label, render=render, still_due=still_scheduled))
    register(
        ReminderKind(
            key=COMPLIANCE_AT_RISK,
            label=gettext_lazy("My school's drills behind three weeks before the term ends"),
            render=_render_compliance,
            still_due=_compliance_at_risk,
            then=_next_compliance_check,
        )
    )
    register(
        ReminderKind(
            key=ACTION_DUE,
            label=gettext_lazy("A corrective action I own is due"),
            render=_render_action_due,
            still_due=lambda reminder, action: action.done_on is None,
        )
    )
