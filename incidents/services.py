"""Writes of the incident log. Police roles only (agency admin, supervisor, SRO), at the schools
they see; atomic, validated, reminders and audit events kept in step."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import reminders
from incidents.models import (
    Disclosure,
    FollowUp,
    Incident,
    Involvement,
    InvolvementRole,
)
from schools.selectors import school_qs_for
from sro_portal.accounts.models import Role
from sro_portal.audit.models import AccessEvent
from sro_portal.audit.services import access_record

INCIDENT_FIELDS = (
    "occurred_at",
    "occurred_until",
    "location",
    "category",
    "severity",
    "school_summary",
    "narrative",
    "reported_by",
    "file_number",
)


def _require_police(actor) -> None:
    if not actor.is_authenticated or not actor.is_police:
        raise PermissionDenied


def _require_school(actor, school) -> None:
    if not school_qs_for(actor).filter(pk=school.pk).exists():
        raise ValidationError({"school": _("Choose one of your schools.")})


def _save(obj):
    obj.full_clean()
    obj.save()
    return obj


def _check_times(occurred_at: datetime, occurred_until: datetime | None) -> None:
    now = timezone.now()
    if occurred_at > now:
        raise ValidationError(
            {"occurred_at": _("An incident cannot be recorded before it happens.")}
        )
    if occurred_until is not None:
        if occurred_until < occurred_at:
            raise ValidationError({"occurred_until": _("The end is before the start.")})
        if occurred_until > now:
            raise ValidationError({"occurred_until": _("The end is in the future.")})


@transaction.atomic
def incident_create(*, actor, school, **fields) -> Incident:
    _require_police(actor)
    _require_school(actor, school)
    _check_times(fields["occurred_at"], fields.get("occurred_until"))
    incident = Incident(agency_id=actor.agency_id, school=school, recorded_by=actor, **fields)
    return _save(incident)


@transaction.atomic
def incident_update(*, actor, incident: Incident, **fields) -> Incident:
    _require_police(actor)
    unknown = set(fields) - set(INCIDENT_FIELDS)
    if unknown:
        raise ValueError(f"Not incident fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(incident, name, value)
    _check_times(incident.occurred_at, incident.occurred_until)
    return _save(incident)


@transaction.atomic
def incident_set_status(*, actor, incident: Incident, status: str, closing_note: str = ""):
    _require_police(actor)
    if status == Incident.Status.CLOSED:
        if not closing_note.strip():
            raise ValidationError({"closing_note": _("Say how the incident was closed.")})
        if incident.follow_ups.filter(done_on__isnull=True).exists():
            raise ValidationError(
                {"status": _("Mark the open follow-ups done before closing the incident.")}
            )
    incident.status, incident.closing_note = status, closing_note.strip()
    return _save(incident)


# --- People involved and responses --------------------------------------------------------------


@transaction.atomic
def involvement_add(*, actor, incident: Incident, role: str, student=None, **fields) -> Involvement:
    """Add a student (of the incident's school) or someone else by name, with their role."""
    _require_police(actor)
    if student is not None and (
        student.agency_id != incident.agency_id or student.school_id != incident.school_id
    ):
        raise ValidationError({"student": _("This student is not at the incident's school.")})
    if (
        student is not None
        and Involvement.objects.filter(incident=incident, student=student).exists()
    ):
        raise ValidationError({"student": _("This student is already on the incident.")})
    involvement = Involvement(
        agency_id=incident.agency_id, incident=incident, role=role, student=student, **fields
    )
    return _save(involvement)


@transaction.atomic
def involvement_set_response(*, actor, involvement: Involvement, response: str, note: str = ""):
    """Record police's response to a subject (no further action, warning, ... charge)."""
    _require_police(actor)
    if involvement.role != InvolvementRole.SUBJECT:
        raise ValidationError({"response": _("Only a subject gets a response.")})
    involvement.response, involvement.response_note = response, note
    return _save(involvement)


@transaction.atomic
def involvement_remove(*, actor, involvement: Involvement) -> None:
    _require_police(actor)
    involvement.delete()


# --- Follow-ups ---------------------------------------------------------------------------------


@transaction.atomic
def follow_up_add(*, actor, incident: Incident, description: str, owner, due_on) -> FollowUp:
    _require_police(actor)
    if incident.status == Incident.Status.CLOSED:
        raise ValidationError(_("Reopen the incident before adding a follow-up."))
    if owner.agency_id != incident.agency_id or not owner.is_police or not owner.is_active:
        raise ValidationError({"owner": _("Choose an active member of the police service.")})
    follow_up = _save(
        FollowUp(
            agency_id=incident.agency_id,
            incident=incident,
            description=description,
            owner=owner,
            due_on=due_on,
        )
    )
    if incident.status == Incident.Status.OPEN:
        incident.status = Incident.Status.FOLLOW_UP
        incident.save(update_fields=["status", "updated_at"])
    reminders.remind_follow_up(follow_up)
    return follow_up


@transaction.atomic
def follow_up_done(*, actor, follow_up: FollowUp) -> None:
    _require_police(actor)
    done = FollowUp.objects.filter(pk=follow_up.pk, done_on__isnull=True).update(
        done_on=actor.agency.today()
    )
    if not done:
        raise ValidationError(_("This follow-up is already done."))
    reminders.cancel_follow_up(follow_up)


# --- Disclosures to the school (YCJA s.125(6)) --------------------------------------------------


@transaction.atomic
def disclosure_make(*, actor, incident: Incident, recipient, ground: str, text: str) -> Disclosure:
    """A police user discloses to a named school admin of the incident's school, on a ground of
    s.125(6); logged as a disclosure in the audit trail."""
    _require_police(actor)
    _require_school(actor, incident.school)
    if not text.strip():
        raise ValidationError({"disclosed_text": _("Write what you disclose.")})
    is_school_admin = (
        recipient.agency_id == incident.agency_id
        and recipient.role == Role.SCHOOL
        and recipient.is_active
        and school_qs_for(recipient).filter(pk=incident.school_id).exists()
    )
    if not is_school_admin:
        raise ValidationError({"recipient": _("Choose an administrator of the incident's school.")})
    disclosure = _save(
        Disclosure(
            agency_id=incident.agency_id,
            incident=incident,
            recipient=recipient,
            ground=ground,
            disclosed_text=text,
            disclosed_by=actor,
        )
    )
    access_record(
        actor=actor,
        obj=incident,
        action=AccessEvent.Action.DISCLOSED,
        detail={"disclosure": disclosure.pk, "recipient": recipient.pk, "ground": ground},
    )
    return disclosure


@transaction.atomic
def disclosure_withdraw(*, actor, disclosure: Disclosure) -> None:
    _require_police(actor)
    if not school_qs_for(actor).filter(pk=disclosure.incident.school_id).exists():
        raise PermissionDenied
    now = timezone.now()
    withdrawn = Disclosure.objects.filter(pk=disclosure.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=now, withdrawn_by=actor
    )
    if not withdrawn:
        raise ValidationError(_("This disclosure was already withdrawn."))
    disclosure.withdrawn_at, disclosure.withdrawn_by = now, actor
