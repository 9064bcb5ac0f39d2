"""Writes of the schools app: boards and their drill rules, schools, drills and their corrective
actions. Each function is atomic, checks the actor's right to act on that school, validates fully
and keeps the reminders of what it changed in step (schools/reminders.py)."""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from schools import reminders
from schools.models import (
    DEFAULT_DRILL_RULES,
    CorrectiveAction,
    Drill,
    DrillRule,
    School,
    SchoolBoard,
)
from schools.selectors import school_qs_for
from sro_portal.accounts.models import Role

# Who may schedule, record and cancel drills: agency admins, and the SROs and school admins of
# the school. Supervisors see every drill but leave the records to the people on site.
DRILL_WRITERS = frozenset({Role.ADMIN, Role.SRO, Role.SCHOOL})


def _require_admin(actor) -> None:
    if not actor.is_authenticated or not actor.is_agency_admin:
        raise PermissionDenied


def _require_drill_writer(actor, school: School) -> None:
    if actor.role not in DRILL_WRITERS or not school_qs_for(actor).filter(pk=school.pk).exists():
        raise PermissionDenied


def _save(obj):
    obj.full_clean()
    obj.save()
    return obj


# --- Boards and their drill rules ---------------------------------------------------------------


@transaction.atomic
def board_save(*, actor, board: SchoolBoard) -> SchoolBoard:
    """Create or update a board; a new board starts with the default drill rules."""
    _require_admin(actor)
    is_new = board.pk is None
    board.agency_id = actor.agency_id
    _save(board)
    if is_new:
        for kind, period, required, unannounced in DEFAULT_DRILL_RULES:
            _save(
                DrillRule(
                    agency_id=actor.agency_id,
                    board=board,
                    kind=kind,
                    period=period,
                    required=required,
                    unannounced_required=unannounced,
                )
            )
    return board


@transaction.atomic
def drill_rules_replace(*, actor, board: SchoolBoard, rules: list[dict]) -> list[DrillRule]:
    """Make the board's rules exactly `rules` (dicts of kind, period, required,
    unannounced_required); a kind left out has no requirement."""
    _require_admin(actor)
    if board.agency_id != actor.agency_id:
        raise PermissionDenied
    kinds = [rule["kind"] for rule in rules]
    if len(kinds) != len(set(kinds)):
        raise ValidationError(_("Each kind of drill can have one rule."))
    DrillRule.objects.filter(agency_id=actor.agency_id, board=board).delete()
    saved = [_save(DrillRule(agency_id=actor.agency_id, board=board, **rule)) for rule in rules]
    for school in School.objects.filter(agency_id=actor.agency_id, board=board, is_active=True):
        reminders.schedule_compliance_check(school)
    return saved


# --- Schools ------------------------------------------------------------------------------------


@transaction.atomic
def school_save(*, actor, school: School) -> School:
    _require_admin(actor)
    school.agency_id = actor.agency_id
    _save(school)
    if school.is_active:
        reminders.schedule_compliance_check(school)
    else:
        reminders.cancel_compliance_check(school)
    return school


# --- Drills -------------------------------------------------------------------------------------


@transaction.atomic
def drill_schedule(
    *, actor, school: School, kind: str, planned_at: datetime, announced: bool, leader=None
) -> Drill:
    _require_drill_writer(actor, school)
    drill = _save(
        Drill(
            agency_id=actor.agency_id,
            school=school,
            kind=kind,
            planned_at=planned_at,
            announced=announced,
            leader=leader,
        )
    )
    reminders.schedule_drill_reminders(drill)
    reminders.schedule_compliance_check(school)
    return drill


@transaction.atomic
def drill_update_plan(
    *, actor, drill: Drill, kind: str, planned_at: datetime, announced: bool, leader=None
) -> Drill:
    """Change a scheduled drill's plan; its reminders move with it."""
    _require_drill_writer(actor, drill.school)
    _require_status(drill, Drill.Status.SCHEDULED)
    drill.kind, drill.planned_at, drill.announced, drill.leader = (
        kind,
        planned_at,
        announced,
        leader,
    )
    _save(drill)
    reminders.cancel_drill_reminders(drill)  # the leader may have changed
    reminders.schedule_drill_reminders(drill)
    reminders.schedule_compliance_check(drill.school)
    return drill


@transaction.atomic
def drill_record(
    *,
    actor,
    drill: Drill,
    started_at: datetime,
    ended_at: datetime | None,
    seconds_to_complete: int | None,
    participants: int | None,
    sro_present: bool,
    observations: str,
) -> Drill:
    """Record how a drill went (again, to correct the record of a completed one)."""
    _require_drill_writer(actor, drill.school)
    if drill.status == Drill.Status.CANCELLED:
        raise ValidationError(_("A cancelled drill cannot be recorded."))
    if ended_at and ended_at < started_at:
        raise ValidationError({"ended_at": _("The drill cannot end before it started.")})
    drill.status = Drill.Status.COMPLETED
    drill.started_at, drill.ended_at = started_at, ended_at
    drill.seconds_to_complete, drill.participants = seconds_to_complete, participants
    drill.sro_present, drill.observations = sro_present, observations
    drill.recorded_by = actor
    _save(drill)
    reminders.cancel_drill_reminders(drill)
    reminders.schedule_compliance_check(drill.school)
    return drill


@transaction.atomic
def drill_cancel(*, actor, drill: Drill, reason: str) -> Drill:
    _require_drill_writer(actor, drill.school)
    _require_status(drill, Drill.Status.SCHEDULED)
    if not reason.strip():
        raise ValidationError({"cancelled_reason": _("Say why the drill is cancelled.")})
    drill.status, drill.cancelled_reason = Drill.Status.CANCELLED, reason.strip()
    _save(drill)
    reminders.cancel_drill_reminders(drill)
    reminders.schedule_compliance_check(drill.school)
    return drill


def _require_status(drill: Drill, status: str) -> None:
    current = Drill.objects.select_for_update().filter(pk=drill.pk).values_list("status", flat=True)
    if current.first() != status:
        raise ValidationError(
            _("This drill is no longer %(status)s.")
            % {"status": Drill.Status(status).label.lower()}
        )


# --- Corrective actions -------------------------------------------------------------------------


@transaction.atomic
def corrective_action_add(
    *, actor, drill: Drill, description: str, owner, due_on: date
) -> CorrectiveAction:
    _require_drill_writer(actor, drill.school)
    action = _save(
        CorrectiveAction(
            agency_id=actor.agency_id,
            drill=drill,
            description=description,
            owner=owner,
            due_on=due_on,
        )
    )
    reminders.schedule_corrective_action_reminder(action)
    return action


@transaction.atomic
def corrective_action_complete(*, actor, action: CorrectiveAction, done_on: date) -> None:
    if actor.pk != action.owner_id:
        _require_drill_writer(actor, action.drill.school)
    updated = CorrectiveAction.objects.filter(pk=action.pk, done_on__isnull=True).update(
        done_on=done_on
    )
    if not updated:
        raise ValidationError(_("This corrective action is already done."))
    reminders.cancel_corrective_action_reminder(action)
