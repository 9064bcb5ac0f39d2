"""Writes of PAYOFF agreements: drafting, consent, activation, the work ledger, completion or not,
check-ins, and the destruction of records whose access period has ended."""

from datetime import date, timedelta
from decimal import Decimal

import pgtrigger
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import Involvement, InvolvementRole, Outcome, Response
from payoff import reminders
from payoff.models import (
    Agreement,
    Basis,
    CheckIn,
    NextStep,
    PurgedAgreement,
    Statement,
    Task,
    WorkSession,
)
from payoff.selectors import agreement_qs_for, progress_of
from schools.selectors import school_qs_for
from sro_portal.accounts.models import Role
from sro_portal.reminders.models import Reminder

SANCTION_ACCESS_PERIOD_YEARS = 2  # YCJA s.119(2)(a): two years after the young person consents
CHECK_IN_MONTHS = (6, 12)
YOUTH_AGES = range(12, 18)

CONSENT_FIELDS = (
    "informed_at",
    "counsel_advised_at",
    "consented_at",
    "consent_method",
    "responsibility_accepted",
    "denies_involvement",
    "requests_court",
    "parent_name",
    "parent_notified_at",
    "parent_notification_method",
)
DRAFT_FIELDS = ("offence", "offence_on", "officer", "co_signer", "starts_on", "due_on", "incident")


def _save(obj):
    obj.full_clean()
    obj.save()
    return obj


def _require_police(actor, agreement: Agreement | None = None) -> None:
    """A police role, who (when given) sees `agreement`: another agency's or school's is refused
    here too, not only by the page that fetched it."""
    if not actor.is_authenticated or not actor.is_police:
        raise PermissionDenied
    if agreement is not None and not agreement_qs_for(actor).filter(pk=agreement.pk).exists():
        raise PermissionDenied


def _require_status(agreement: Agreement, *statuses) -> None:
    """The agreement is (still) in one of `statuses`, read under a row lock."""
    current = (
        Agreement.objects.select_for_update()
        .filter(pk=agreement.pk)
        .values_list("status", flat=True)
        .first()
    )
    if current not in statuses:
        raise ValidationError(_("This agreement is no longer in a state that allows this."))


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # February 29
        return day.replace(year=day.year + years, day=28)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


# --- Drafting -----------------------------------------------------------------------------------


@transaction.atomic
def agreement_draft(*, actor, student, basis: str, **fields) -> Agreement:
    """Police roles draft an agreement for a student of one of their schools."""
    _require_police(actor)
    if not school_qs_for(actor).filter(pk=student.school_id).exists():
        raise ValidationError({"student": _("Choose a student of one of your schools.")})
    agreement = Agreement(
        agency_id=actor.agency_id,
        student=student,
        school_id=student.school_id,
        basis=basis,
        **fields,
    )
    _check_people(agreement)
    return _save(agreement)


@transaction.atomic
def agreement_update_draft(*, actor, agreement: Agreement, **fields) -> Agreement:
    _require_police(actor, agreement)
    _require_status(agreement, Agreement.Status.DRAFT)
    unknown = set(fields) - set(DRAFT_FIELDS) - {"basis"}
    if unknown:
        raise ValueError(f"Not draft fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(agreement, name, value)
    _check_people(agreement)
    return _save(agreement)


def _check_people(agreement: Agreement) -> None:
    if agreement.officer_id and agreement.officer.role != Role.SRO:
        raise ValidationError({"officer": _("Choose a school resource officer.")})
    if agreement.co_signer_id:
        co_signer = agreement.co_signer
        is_admin_of_school = (
            co_signer.role == Role.SCHOOL
            and school_qs_for(co_signer).filter(pk=agreement.school_id).exists()
        )
        if not is_admin_of_school:
            raise ValidationError({"co_signer": _("Choose an administrator of the school.")})
    if agreement.incident_id:
        if agreement.incident.school_id != agreement.school_id:
            raise ValidationError({"incident": _("This incident is at another school.")})
        if _subject_of(agreement) is None:
            raise ValidationError({"incident": _("The student is not a subject of this incident.")})


@transaction.atomic
def task_add(*, actor, agreement: Agreement, kind: str, unit: str, required, description=""):
    _require_police(actor, agreement)
    _require_status(agreement, Agreement.Status.DRAFT)
    return _save(
        Task(
            agency_id=agreement.agency_id,
            agreement=agreement,
            kind=kind,
            unit=unit,
            required=required,
            description=description,
        )
    )


@transaction.atomic
def task_remove(*, actor, task: Task) -> None:
    _require_police(actor, task.agreement)
    _require_status(task.agreement, Agreement.Status.DRAFT)
    task.delete()


# --- Consent and activation ---------------------------------------------------------------------


@transaction.atomic
def consent_record(*, actor, agreement: Agreement, statement: str = "", **fields) -> Agreement:
    """Record what the youth was told and agreed to (draft only). The statement accepting
    responsibility is kept apart (payoff.models.Statement)."""
    _require_police(actor, agreement)
    _require_status(agreement, Agreement.Status.DRAFT)
    unknown = set(fields) - set(CONSENT_FIELDS)
    if unknown:
        raise ValueError(f"Not consent fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(agreement, name, value)
    _check_consent_order(agreement)
    _save(agreement)
    if statement.strip():
        Statement.objects.update_or_create(
            agency_id=agreement.agency_id, agreement=agreement, defaults={"text": statement.strip()}
        )
    return agreement


def _check_consent_order(agreement: Agreement) -> None:
    now = timezone.now()
    moments = {
        "informed_at": agreement.informed_at,
        "counsel_advised_at": agreement.counsel_advised_at,
        "consented_at": agreement.consented_at,
        "parent_notified_at": agreement.parent_notified_at,
    }
    for field, moment in moments.items():
        if moment is not None and moment > now:
            raise ValidationError({field: _("This cannot be in the future.")})
    informed, advised, consented = (
        agreement.informed_at,
        agreement.counsel_advised_at,
        agreement.consented_at,
    )
    if consented and informed and consented < informed:
        raise ValidationError(
            {"consented_at": _("Consent must come after the youth was told what it involves.")}
        )
    if consented and (advised is None or consented < advised):
        raise ValidationError(
            {
                "consented_at": _(
                    "Consent must come after the youth was advised of the right to counsel and "
                    "had a chance to consult."
                )
            }
        )


def activation_problems(agreement: Agreement) -> dict[str, str]:
    """What stops the agreement from becoming active, by field (empty when it may start)."""
    problems = {}
    if not agreement.tasks.exists():
        problems["tasks"] = _("Add at least one task.")
    if agreement.is_police_diversion:
        problems |= _police_diversion_problems(agreement)
    return problems


def _police_diversion_problems(agreement: Agreement) -> dict[str, str]:
    problems = {}
    age = agreement.student.age_on(agreement.offence_on)
    if age not in YOUTH_AGES:
        problems["offence_on"] = _(
            "The youth was %(age)s at the offence: police diversion under the YCJA is for ages "
            "12 to 17."
        ) % {"age": age}
    if agreement.denies_involvement:
        problems["denies_involvement"] = _("A youth who denies involvement cannot be enrolled.")
    if agreement.requests_court:
        problems["requests_court"] = _("A youth who asks for court cannot be enrolled.")
    required = {
        "informed_at": _("Record when the youth was told what the agreement involves."),
        "counsel_advised_at": _("Record when the youth was advised of the right to counsel."),
        "consented_at": _("Record when the youth consented."),
        "consent_method": _("Record how the youth consented."),
        "parent_name": _("Record which parent or guardian was notified."),
        "parent_notified_at": _("Record when the parent or guardian was notified."),
        "parent_notification_method": _("Record how the parent or guardian was notified."),
    }
    for field, message in required.items():
        if not getattr(agreement, field):
            problems[field] = message
    if not agreement.responsibility_accepted:
        problems["responsibility_accepted"] = _("The youth must accept responsibility.")
    advised, consented = agreement.counsel_advised_at, agreement.consented_at
    if advised and consented and consented < advised:
        problems["consented_at"] = _("Consent came before the advice on the right to counsel.")
    return problems


@transaction.atomic
def agreement_activate(*, actor, agreement: Agreement) -> Agreement:
    _require_police(actor, agreement)
    _require_status(agreement, Agreement.Status.DRAFT)
    problems = activation_problems(agreement)
    if problems:
        raise ValidationError(problems)
    agreement.status = Agreement.Status.ACTIVE
    agreement.purge_after = access_period_end(agreement)
    _save(agreement)
    _mark_response(agreement)
    reminders.schedule_agreement_reminders(agreement)
    return agreement


def access_period_end(agreement: Agreement) -> date | None:
    """When the agreement's records stop being reachable: two years after consent for a
    sanction (YCJA s.119(2)(a)); the agency's period for anything else (none set: never)."""
    if agreement.consented_at is not None:
        start = timezone.localtime(agreement.consented_at, agreement.agency.tzinfo).date()
    else:  # a school-administered agreement may have no consent record: count from its start
        start = agreement.starts_on
    if agreement.basis == Basis.SANCTION:
        return _add_years(start, SANCTION_ACCESS_PERIOD_YEARS)
    months = agreement.agency.retention_months_other_measures
    return add_months(start, months) if months else None


def _subject_of(agreement: Agreement) -> Involvement | None:
    if not agreement.incident_id:
        return None
    return Involvement.objects.filter(
        agency_id=agreement.agency_id,
        incident_id=agreement.incident_id,
        student_id=agreement.student_id,
        role=InvolvementRole.SUBJECT,
    ).first()


def _mark_response(agreement: Agreement, outcome: str = "") -> None:
    subject = _subject_of(agreement)
    if subject is not None:
        subject.response = Response.PAYOFF
        if outcome:
            subject.outcome = outcome
        subject.save(update_fields=["response", "outcome", "updated_at"])


# --- The work ledger ----------------------------------------------------------------------------


def _may_verify(adult, agreement: Agreement) -> bool:
    return (
        adult.is_active
        and adult.agency_id == agreement.agency_id
        and adult.role in (Role.SRO, Role.SCHOOL)
        and school_qs_for(adult).filter(pk=agreement.school_id).exists()
    )


@transaction.atomic
def session_log(
    *,
    actor,
    agreement: Agreement,
    task: Task,
    on: date,
    hours: Decimal,
    what_was_done: str,
    verified_by=None,
    verifier_name: str = "",
) -> WorkSession:
    """Log a session of work, verified by the supervising adult (an SRO or school admin of the
    agreement's school, or a teacher named)."""
    if not agreement_qs_for(actor).filter(pk=agreement.pk).exists():
        raise PermissionDenied
    _require_status(agreement, Agreement.Status.ACTIVE)
    if task.agreement_id != agreement.pk:
        raise ValidationError({"task": _("Choose a task of this agreement.")})
    if on < agreement.starts_on:
        raise ValidationError({"date": _("The agreement had not started on that day.")})
    if on > actor.agency.today():
        raise ValidationError({"date": _("A session cannot be logged before it happens.")})
    if verified_by is not None and not _may_verify(verified_by, agreement):
        raise ValidationError(
            {"verified_by": _("Choose an SRO or a school admin of the agreement's school.")}
        )
    if verified_by is None and not verifier_name.strip():
        raise ValidationError({"verifier_name": _("Say which adult verified the session.")})
    session = WorkSession(
        agency_id=agreement.agency_id,
        agreement=agreement,
        task=task,
        date=on,
        hours=hours,
        what_was_done=what_was_done,
        verified_by=verified_by,
        verifier_name=verifier_name.strip(),
        recorded_by=actor,
    )
    return _save(session)


# --- How it ends --------------------------------------------------------------------------------


@transaction.atomic
def agreement_complete(*, actor, agreement: Agreement) -> Agreement:
    """All the work is done: the agreement closes, the incident's response for the youth ends
    in no charge, and the 6- and 12-month check-ins are scheduled."""
    _require_police(actor, agreement)
    _require_status(agreement, Agreement.Status.ACTIVE)
    unfinished = [item.task for item in progress_of(agreement) if not item.complete]
    if unfinished:
        raise ValidationError(
            _("Some tasks are not done yet: %(tasks)s")
            % {"tasks": ", ".join(str(task) for task in unfinished)}
        )
    agreement.status, agreement.closed_on = Agreement.Status.COMPLETED, actor.agency.today()
    _save(agreement)
    _mark_response(agreement, outcome=Outcome.NO_CHARGE)
    reminders.cancel_agreement_reminders(agreement)
    for months in CHECK_IN_MONTHS:
        check_in = CheckIn.objects.create(
            agency_id=agreement.agency_id,
            agreement=agreement,
            months=months,
            due_on=add_months(agreement.closed_on, months),
        )
        reminders.schedule_check_in(check_in)
    return agreement


@transaction.atomic
def agreement_not_completed(*, actor, agreement: Agreement, reason: str, next_step: str):
    """A supervisor records that the youth did not complete the work, why, and what comes next."""
    if actor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied
    _require_police(actor, agreement)
    _require_status(agreement, Agreement.Status.ACTIVE)
    if not reason.strip():
        raise ValidationError({"outcome_note": _("Say why the agreement was not completed.")})
    agreement.status, agreement.closed_on = Agreement.Status.NOT_COMPLETED, actor.agency.today()
    agreement.outcome_note, agreement.next_step = reason.strip(), next_step
    agreement.approved_by = actor
    _save(agreement)
    if next_step not in NextStep.values:
        raise ValidationError({"next_step": _("Choose what happens next.")})
    if next_step == NextStep.CHARGE:
        _mark_response(agreement, outcome=Outcome.CHARGE_CONSIDERED)
    reminders.cancel_agreement_reminders(agreement)
    return agreement


@transaction.atomic
def agreement_withdraw(*, actor, agreement: Agreement, reason: str) -> Agreement:
    _require_police(actor, agreement)
    _require_status(agreement, Agreement.Status.DRAFT, Agreement.Status.ACTIVE)
    if not reason.strip():
        raise ValidationError({"outcome_note": _("Say why the agreement is withdrawn.")})
    agreement.status, agreement.closed_on = Agreement.Status.WITHDRAWN, actor.agency.today()
    agreement.outcome_note = reason.strip()
    _save(agreement)
    reminders.cancel_agreement_reminders(agreement)
    return agreement


@transaction.atomic
def check_in_confirm(*, actor, check_in: CheckIn, reoffended: bool) -> CheckIn:
    _require_police(actor, check_in.agreement)
    if check_in.due_on > actor.agency.today():
        raise ValidationError(_("This check-in is not due yet."))
    check_in.reoffended, check_in.confirmed_by = reoffended, actor
    check_in.confirmed_on = actor.agency.today()
    _save(check_in)
    reminders.cancel_check_in(check_in)
    return check_in


# --- Access periods -----------------------------------------------------------------------------


def purge_expired(*, today: date | None = None) -> int:
    """Destroy every agreement whose access period has ended (on or before `today`, so a missed
    day is caught up): its tasks, ledger, statement, check-ins, reminders and the audit trail's
    copies of them, leaving an anonymous tombstone. Running it again changes nothing."""
    refresh_access_periods()
    purged = 0
    # Any agency's "today" is at most a day past the UTC date: a cheap first cut.
    horizon = (today or timezone.now().date()) + timedelta(days=1)
    candidates = Agreement.objects.filter(purge_after__lte=horizon).select_related("agency")
    for agreement in candidates.iterator():
        day = today or agreement.agency.today()
        if agreement.purge_after <= day:
            _purge(agreement, today=day)
            purged += 1
    return purged


def refresh_access_periods() -> None:
    """Apply each agency's current access period to its agreements other than sanctions: an
    agency may set (or change) the period after agreements were made."""
    started = Agreement.objects.exclude(basis=Basis.SANCTION).exclude(status=Agreement.Status.DRAFT)
    for agreement in started.select_related("agency").iterator():
        period_end = access_period_end(agreement)
        if period_end != agreement.purge_after:
            Agreement.objects.filter(pk=agreement.pk).update(purge_after=period_end)


@transaction.atomic
def _purge(agreement: Agreement, *, today: date) -> None:
    agreement = Agreement.objects.select_for_update().filter(pk=agreement.pk).first()
    if agreement is None:
        return  # another run got there first
    PurgedAgreement.objects.create(
        agency_id=agreement.agency_id,
        basis=agreement.basis,
        final_status=agreement.status,
        school_year=agreement.agency.school_year_for(agreement.starts_on).label,
        purged_on=today,
    )
    _forget_on_the_incident(agreement)
    rows = {
        CheckIn: CheckIn.objects.filter(agreement=agreement),
        WorkSession: WorkSession.objects.filter(agreement=agreement),
        Task: Task.objects.filter(agreement=agreement),
        Statement: Statement.objects.filter(agreement=agreement),
    }
    for model, queryset in rows.items():
        ids = list(queryset.values_list("pk", flat=True))
        for pk in ids:
            _delete_reminders(model, pk, agreement.agency_id)
        queryset.delete()
        _purge_audit_copies(model, ids)
    _delete_reminders(Agreement, agreement.pk, agreement.agency_id)
    pk = agreement.pk
    agreement.delete()
    _purge_audit_copies(Agreement, [pk])


def _forget_on_the_incident(agreement: Agreement) -> None:
    """The incident's record of this youth said "PAYOFF agreement" (and how it ended): that is
    a record of the agreement too, and goes with it, with the audit trail's copies of it."""
    subject = _subject_of(agreement)
    if subject is None or subject.response != Response.PAYOFF:
        return
    Involvement.objects.filter(pk=subject.pk).update(response="", outcome="", response_note="")
    _purge_audit_copies(Involvement, [subject.pk])


def _delete_reminders(model, pk, agency_id) -> None:
    """Delete (not cancel: the purge leaves nothing) the reminders about one row."""
    Reminder.objects.filter(
        agency_id=agency_id,
        content_type=ContentType.objects.get_for_model(model),
        object_id=str(pk),
    ).delete()


def _purge_audit_copies(model, ids: list[int]) -> None:
    """The audit trail keeps a copy of every version of a row: destroyed records must not
    survive there. Its tables refuse deletes (append-only); this one purge may lift that."""
    event_model = getattr(model, "pgh_event_model", None)
    if event_model is None or not ids:
        return
    if not pgtrigger.utils.is_postgres("default"):
        event_model.objects.filter(pgh_obj_id__in=ids).delete()
        return
    with pgtrigger.ignore(f"{event_model._meta.label}:append_only"):
        event_model.objects.filter(pgh_obj_id__in=ids).delete()
