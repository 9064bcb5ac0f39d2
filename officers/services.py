"""Writes of the officers app: profiles, assignments, students, partners, the activity log and
referrals. Atomic, validated, scoped to the actor; reminders kept in step (officers/reminders.py).
"""

from collections.abc import Callable
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _

from officers import reminders
from officers.models import (
    Activity,
    Assignment,
    CommunityPartner,
    OfficerProfile,
    Referral,
    Student,
)
from schools.models import School
from schools.selectors import school_qs_for
from sro_portal.accounts.models import Role
from sro_portal.core.uploads import check_upload, private_name, without_metadata

EDIT_WINDOW = timedelta(days=7)


def _save(obj):
    obj.full_clean()
    obj.save()
    return obj


def _require_roles(actor, *roles) -> None:
    if not actor.is_authenticated or actor.role not in roles:
        raise PermissionDenied


def _require_school_in_scope(actor, school: School, *, on: date | None = None, field="school"):
    if not school_qs_for(actor, on=on).filter(pk=school.pk).exists():
        raise ValidationError({field: _("Choose one of your schools.")})


# --- Profiles -----------------------------------------------------------------------------------


PHOTO_MAX_BYTES = 2 * 1024 * 1024


def profile_save(
    *, actor, officer, badge_number: str, rank: str, phone: str, photo=None, remove_photo=False
) -> OfficerProfile:
    """An agency admin, or the officer themself, keeps the officer's profile (and photo)."""
    with transaction.atomic():
        profile = _profile_fields(actor, officer, badge_number, rank, phone)
        old_photo = profile.photo.name if (photo or remove_photo) else None
        if photo:
            try:
                kind = check_upload(photo, max_bytes=PHOTO_MAX_BYTES)
                clean = without_metadata(photo, kind)
            except ValidationError as error:
                raise ValidationError({"photo": error.messages}) from error
            name = private_name(f"officer-photos/{officer.agency_id}", kind)
            profile.photo.save(name, clean, save=False)
        elif remove_photo:
            profile.photo = ""
        _save(profile)
    if old_photo:  # after the commit: a rolled-back change keeps its photo
        default_storage.delete(old_photo)
    return profile


def _profile_fields(actor, officer, badge_number, rank, phone) -> OfficerProfile:
    if officer.agency_id != actor.agency_id or officer.role != Role.SRO:
        raise PermissionDenied
    if actor.pk != officer.pk and not actor.is_agency_admin:
        raise PermissionDenied
    profile, _created = OfficerProfile.objects.select_for_update().get_or_create(
        agency_id=officer.agency_id, user=officer
    )
    profile.badge_number, profile.rank, profile.phone = badge_number, rank, phone
    taken = OfficerProfile.objects.filter(
        agency_id=officer.agency_id, badge_number=badge_number
    ).exclude(pk=profile.pk)
    if badge_number and taken.exists():
        raise ValidationError({"badge_number": _("Another officer has this badge number.")})
    return profile


# --- Assignments (agency admins) ----------------------------------------------------------------


@transaction.atomic
def assignment_save(*, actor, assignment: Assignment) -> Assignment:
    """Create or change an assignment. Two primary assignments at one school may not overlap."""
    _require_roles(actor, Role.ADMIN)
    assignment.agency_id = actor.agency_id
    assignment.full_clean()
    if assignment.kind == Assignment.Kind.PRIMARY:
        # Lock the school's row: two admins saving primaries at once wait for each other.
        School.objects.select_for_update().filter(pk=assignment.school_id).first()
        clash = _overlapping_primary(assignment)
        if clash is not None:
            raise ValidationError(
                {
                    "starts_on": _(
                        "%(officer)s is the primary SRO of this school for part of these dates "
                        "(from %(start)s). End that assignment first, or make this one a backup."
                    )
                    % {"officer": clash.officer, "start": formats.date_format(clash.starts_on)}
                }
            )
    assignment.save()
    return assignment


def _overlapping_primary(assignment: Assignment) -> Assignment | None:
    others = Assignment.objects.filter(
        agency_id=assignment.agency_id,
        school_id=assignment.school_id,
        kind=Assignment.Kind.PRIMARY,
    ).exclude(pk=assignment.pk)
    # [a, b] and [c, d] overlap when a <= d and c <= b (an open end is infinity).
    if assignment.ends_on is not None:
        others = others.filter(starts_on__lte=assignment.ends_on)
    others = others.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=assignment.starts_on))
    return others.select_related("officer").first()


@transaction.atomic
def assignment_end(*, actor, assignment: Assignment, ends_on: date) -> Assignment:
    _require_roles(actor, Role.ADMIN)
    if ends_on < assignment.starts_on:
        raise ValidationError({"ends_on": _("The end date is before the start date.")})
    assignment.ends_on = ends_on
    return assignment_save(actor=actor, assignment=assignment)


# --- Students and partners ----------------------------------------------------------------------


YOUNGEST, OLDEST = 4, 21  # ages a student record can have


def student_save(*, actor, student: Student) -> Student:
    """Police roles record the students of their schools."""
    _require_roles(actor, Role.ADMIN, Role.SUPERVISOR, Role.SRO)
    _require_school_in_scope(actor, student.school)
    student.agency_id = actor.agency_id
    _check_birth_date(student, today=actor.agency.today())
    try:
        with transaction.atomic():
            _check_student_number(student)
            return _save(student)
    except IntegrityError as error:  # two people saving the same number at the same moment
        raise ValidationError(
            {"student_number": _("Another student of this school has this number.")}
        ) from error


def _check_birth_date(student: Student, *, today: date) -> None:
    if student.date_of_birth is None:
        return
    if student.date_of_birth > today:
        raise ValidationError({"date_of_birth": _("The date of birth is in the future.")})
    age = student.age_on(today)
    if not YOUNGEST <= age <= OLDEST:
        raise ValidationError(
            {
                "date_of_birth": _(
                    "That is an age of %(age)s: students are %(youngest)s to %(oldest)s years old."
                )
                % {"age": age, "youngest": YOUNGEST, "oldest": OLDEST}
            }
        )


def _check_student_number(student: Student) -> None:
    if not student.student_number:
        return
    taken = Student.objects.filter(
        agency_id=student.agency_id,
        school_id=student.school_id,
        student_number=student.student_number,
    ).exclude(pk=student.pk)
    if taken.exists():
        raise ValidationError(
            {"student_number": _("Another student of this school has this number.")}
        )


def partner_save(*, actor, partner: CommunityPartner) -> CommunityPartner:
    _require_roles(actor, Role.ADMIN)
    partner.agency_id = actor.agency_id
    same_name = CommunityPartner.objects.filter(
        agency_id=partner.agency_id, name__iexact=partner.name
    ).exclude(pk=partner.pk)
    if same_name.exists():
        raise ValidationError({"name": _("Your agency already has a partner of this name.")})
    try:
        with transaction.atomic():
            return _save(partner)
    except IntegrityError as error:  # the same name saved twice at the same moment
        raise ValidationError(
            {"name": _("Your agency already has a partner of this name.")}
        ) from error


# --- The activity log ---------------------------------------------------------------------------


def _check_activity(actor, activity: Activity, *, today: date, partner_was=None) -> None:
    if activity.date > today:
        raise ValidationError({"date": _("An activity cannot be logged before it happens.")})
    # An officer's entries lock after 7 days: they cannot be written there in the first place.
    if actor.role == Role.SRO and today - activity.date > EDIT_WINDOW:
        raise ValidationError(
            {"date": _("Entries older than 7 days are locked. Ask your supervisor to add it.")}
        )
    _require_school_in_scope(activity.officer, activity.school, on=activity.date)
    if activity.student_id and activity.student.school_id != activity.school_id:
        raise ValidationError({"student": _("This student is not at that school.")})
    # A partner deactivated since the entry was written stays on it; a new one must be active.
    if (
        activity.partner_id
        and activity.partner_id != partner_was
        and not activity.partner.is_active
    ):
        raise ValidationError({"partner": _("This partner is no longer active.")})


@transaction.atomic
def activity_log(*, actor, **fields) -> Activity:
    """An SRO logs an activity of their own, at a school they were assigned to that day."""
    _require_roles(actor, Role.SRO)
    activity = Activity(agency_id=actor.agency_id, officer=actor, **fields)
    _check_activity(actor, activity, today=actor.agency.today())
    return _save(activity)


def can_edit(actor, activity: Activity) -> bool:
    """The officer may change an entry for 7 days after its date; a supervisor at any time (the
    audit trail records the change)."""
    return edit_rule(actor)(activity.agency_id, activity.officer_id, activity.date)


def edit_rule(actor) -> Callable[[int, int, date], bool]:
    """can_edit as a function of an entry's (agency id, officer id, date), for the entries of a
    page: the actor's role and the agency's today are read once, not once an entry."""
    supervised_agency_id = actor.agency_id if actor.role == Role.SUPERVISOR else None
    officer_id = actor.pk
    first_day = actor.agency.today() - EDIT_WINDOW

    def rule(agency_id: int, entry_officer_id: int, day: date) -> bool:
        if agency_id == supervised_agency_id:
            return True
        return entry_officer_id == officer_id and day >= first_day

    return rule


@transaction.atomic
def activity_update(*, actor, activity: Activity, **fields) -> Activity:
    if not can_edit(actor, activity):
        raise PermissionDenied
    partner_was = activity.partner_id
    for name, value in fields.items():
        setattr(activity, name, value)
    _check_activity(actor, activity, today=actor.agency.today(), partner_was=partner_was)
    return _save(activity)


@transaction.atomic
def activity_delete(*, actor, activity: Activity) -> None:
    if not can_edit(actor, activity):
        raise PermissionDenied
    activity.delete()


# --- Referrals ----------------------------------------------------------------------------------


@transaction.atomic
def referral_make(*, actor, student: Student, partner: CommunityPartner, **fields) -> Referral:
    """Refer a student to a partner, with the consent recorded; the officer is reminded to
    confirm the loop 14 days later."""
    _require_roles(actor, Role.ADMIN, Role.SUPERVISOR, Role.SRO)
    _require_school_in_scope(actor, student.school, field="student")
    if not partner.is_active:
        raise ValidationError({"partner": _("This partner is no longer active.")})
    referral = Referral(
        agency_id=actor.agency_id, student=student, partner=partner, made_by=actor, **fields
    )
    if referral.consent_on and referral.made_on and referral.consent_on > referral.made_on:
        raise ValidationError({"consent_on": _("Consent comes before the referral is made.")})
    _save(referral)
    reminders.remind_to_confirm(referral)
    return referral


@transaction.atomic
def referral_update(*, actor, referral: Referral, status: str, outcome: str, on: date) -> Referral:
    """Follow a referral; closing or declining it closes the loop and stops the reminder."""
    _require_roles(actor, Role.ADMIN, Role.SUPERVISOR, Role.SRO)
    # Lock the row: two follow-ups saved at once must not reopen what one of them closed.
    current = Referral.objects.select_for_update().get(pk=referral.pk)
    if not current.is_open:
        raise ValidationError(_("This referral is already closed."))
    referral.status, referral.outcome = status, outcome
    if not referral.is_open:
        if not outcome.strip():
            raise ValidationError({"outcome": _("Say how it ended before closing the loop.")})
        referral.closed_on = on
        reminders.cancel_confirmation(referral)
    return _save(referral)
