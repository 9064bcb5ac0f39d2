"""Reads of users and invitations, scoped to the reader's agency and role."""

from django.db.models import QuerySet

from sro_portal import rls
from sro_portal.accounts.models import Invitation, User
from sro_portal.accounts.tokens import invitation_key_from_token
from sro_portal.tenancy import get_in_scope_or_404


def member_qs_for(actor) -> QuerySet[User]:
    """Users of the actor's agency, for its agency admins; nobody for anyone else."""
    if not actor.is_authenticated or not actor.is_agency_admin:
        return User.objects.none()
    # Memberships are schools.SchoolMembership rows, named by relation (the core never imports
    # a domain app); they carry the user's agency (checked when they are written).
    return User.objects.filter(agency_id=actor.agency_id).prefetch_related(
        "school_memberships__school"
    )


def member_get(*, actor, pk: int) -> User:
    return get_in_scope_or_404(member_qs_for(actor), pk=pk)


def invitation_qs_for(actor) -> QuerySet[Invitation]:
    if not actor.is_authenticated or not actor.is_agency_admin:
        return Invitation.objects.none()
    return (
        Invitation.objects.filter(agency_id=actor.agency_id)
        .select_related("invited_by")
        .prefetch_related("schools")
    )


def invitation_get(*, actor, pk: int) -> Invitation:
    return get_in_scope_or_404(invitation_qs_for(actor), pk=pk)


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link points at, whatever its state; None for a bad or unknown token.

    Unscoped by design: the signed token is the invitee's only credential.
    """
    key = invitation_key_from_token(token)
    if key is None:
        return None
    rls.use_agency_of(Invitation, key=key)
    return (
        Invitation.objects.select_related("agency").prefetch_related("schools").filter(key=key)
    ).first()


def email_in_use(email: str) -> bool:
    """True if any account, in any agency, signs in with this email (emails are global)."""
    return User.objects.filter(email__iexact=email.strip()).exists()


def colleague_qs_for(user, *, roles=None) -> QuerySet[User]:
    """Active users of the user's agency (optionally of some roles): choices such as who leads a
    drill or owns a corrective action."""
    if not user.is_authenticated or user.agency_id is None:
        return User.objects.none()
    colleagues = User.objects.filter(agency_id=user.agency_id, is_active=True)
    if roles is not None:
        colleagues = colleagues.filter(role__in=roles)
    return colleagues.order_by("full_name", "email")
