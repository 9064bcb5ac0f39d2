"""Writes to users and invitations. Each function is atomic, validates fully, leaves an audit
row (the pghistory triggers on every table it touches) and takes the acting user."""

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sro_portal.accounts import tasks
from sro_portal.accounts.models import Invitation, Role, User
from sro_portal.accounts.reminders import remind_before_expiry
from sro_portal.accounts.school_links import set_school_links
from sro_portal.reminders.services import reminders_cancel


class InvitationUnavailable(Exception):
    """The invitation was accepted, revoked or expired meanwhile."""


def _require_agency_admin(actor, *, of=None) -> None:
    """The actor is an active agency admin (of the agency `of` belongs to, when given)."""
    if not actor.is_authenticated or not actor.is_agency_admin or not actor.is_active:
        raise PermissionDenied
    if of is not None and of.agency_id != actor.agency_id:
        raise PermissionDenied


def _check_role_and_schools(*, agency_id: int, role: str, schools) -> None:
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role from the list.")})
    if role == Role.SCHOOL and not schools:
        raise ValidationError({"schools": _("Choose at least one school for a school admin.")})
    if role != Role.SCHOOL and schools:
        raise ValidationError({"schools": _("Only school admins are linked to schools.")})
    if any(school.agency_id != agency_id for school in schools):
        raise ValidationError({"schools": _("Choose schools of your own agency.")})


def _check_email_free(*, agency_id: int, email: str) -> None:
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("Someone already has an account with this email.")})
    open_invitations = Invitation.objects.filter(
        agency_id=agency_id,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    )
    if open_invitations.exists():
        raise ValidationError(
            {"email": _("This email already has an open invitation: send it again instead.")}
        )


@transaction.atomic
def invitation_create(
    *, actor, email: str, role: str, full_name: str = "", schools=()
) -> Invitation:
    """Invite one person to the actor's agency; the email goes out after commit."""
    _require_agency_admin(actor)
    return _invitation_create(
        agency_id=actor.agency_id,
        invited_by=actor,
        email=email,
        role=role,
        full_name=full_name,
        schools=list(schools),
    )


@transaction.atomic
def invitation_create_first_admin(*, staff_user, agency, email: str, full_name: str = ""):
    """Platform staff invite the first agency admin of a new agency (from the Django admin)."""
    if not staff_user.is_platform_staff:
        raise PermissionDenied
    return _invitation_create(
        agency_id=agency.pk,
        invited_by=None,
        email=email,
        role=Role.ADMIN,
        full_name=full_name,
        schools=[],
    )


def _invitation_create(*, agency_id, invited_by, email, role, full_name, schools):
    email = User.objects.normalize_email(email).strip().lower()
    _check_role_and_schools(agency_id=agency_id, role=role, schools=schools)
    _check_email_free(agency_id=agency_id, email=email)
    invitation = Invitation(
        agency_id=agency_id, email=email, role=role, full_name=full_name, invited_by=invited_by
    )
    invitation.full_clean()
    invitation.save()
    invitation.schools.set(schools)
    remind_before_expiry(invitation)
    tasks.send_invitation_email_task.delay_on_commit(invitation.pk)
    return invitation


@transaction.atomic
def invitation_resend(*, actor, invitation: Invitation) -> Invitation:
    """Send a fresh link, valid for the full period again; earlier links stop working."""
    _require_agency_admin(actor, of=invitation)
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(_("This invitation was already accepted or revoked."))
    fresh = Invitation()
    invitation.key = fresh.key
    invitation.expires_at = fresh.expires_at
    invitation.save(update_fields=["key", "expires_at", "updated_at"])
    remind_before_expiry(invitation)  # moves the pending reminder to the new expiry
    tasks.send_invitation_email_task.delay_on_commit(invitation.pk)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor, invitation: Invitation) -> None:
    _require_agency_admin(actor, of=invitation)
    updated = Invitation.objects.filter(
        pk=invitation.pk,
        agency_id=actor.agency_id,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).update(revoked_at=timezone.now(), updated_at=timezone.now())
    if not updated:
        raise ValidationError(_("This invitation was already accepted or revoked."))
    reminders_cancel(obj=invitation)


@transaction.atomic
def invitation_accept(*, invitation: Invitation, full_name: str, password: str) -> User:
    """Create the invitee's account. The invitation is claimed with a compare-and-swap, so a
    link used twice at once still makes one account."""
    now = timezone.now()
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(accepted_at=now, updated_at=now)
    if not claimed or User.objects.filter(email__iexact=invitation.email).exists():
        raise InvitationUnavailable
    user = User(
        email=invitation.email,
        full_name=full_name,
        agency_id=invitation.agency_id,
        role=invitation.role,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    # The invitation proved the address: record it as verified for allauth.
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    if user.role == Role.SCHOOL:
        set_school_links(user=user, schools=list(invitation.schools.all()))
    Invitation.objects.filter(pk=invitation.pk).update(accepted_user=user)
    reminders_cancel(obj=invitation)
    return user


@transaction.atomic
def member_update(*, actor, member: User, full_name: str, role: str, schools=()) -> User:
    """Change a member's name, role and (for a school admin) schools."""
    _require_agency_admin(actor, of=member)
    schools = list(schools)
    _check_role_and_schools(agency_id=actor.agency_id, role=role, schools=schools)
    if member.pk == actor.pk and role != member.role:
        # Keeps at least one agency admin: nobody can demote themself.
        raise ValidationError({"role": _("You cannot change your own role.")})
    member.full_name = full_name
    member.role = role
    member.full_clean(exclude=["password"])
    member.save(update_fields=["full_name", "role"])
    set_school_links(user=member, schools=schools)
    return member


@transaction.atomic
def member_deactivate(*, actor, member: User) -> None:
    """Stop a member from signing in and end every session they have, at once."""
    _require_agency_admin(actor, of=member)
    if member.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    User.objects.filter(pk=member.pk).update(is_active=False)
    member.is_active = False
    end_all_sessions(member)


@transaction.atomic
def member_reactivate(*, actor, member: User) -> None:
    _require_agency_admin(actor, of=member)
    User.objects.filter(pk=member.pk).update(is_active=True)
    member.is_active = True


def end_all_sessions(user: User) -> None:
    """End every session of `user` (allauth.usersessions tracks them per user)."""
    for session in UserSession.objects.filter(user=user):
        session.end()


@transaction.atomic
def agency_settings_update(*, actor, agency, changes: dict) -> None:
    """An agency admin changes their agency's time zone or school calendar."""
    _require_agency_admin(actor)
    if agency.pk != actor.agency_id:
        raise PermissionDenied
    for field, value in changes.items():
        setattr(agency, field, value)
    agency.full_clean()
    agency.save(update_fields=[*changes, "updated_at"])


def user_language_set(*, actor, language: str) -> None:
    """A member chooses their own language ("" follows the agency's default)."""
    actor.language = language
    # The language alone: the other fields are not this change's (and a legacy value in one of
    # them must not stop a member from choosing a language).
    actor.clean_fields(exclude=[f.name for f in actor._meta.fields if f.name != "language"])
    actor.save(update_fields=["language"])
