"""Reads of schools and boards. `school_qs_for` is the one place that decides which schools a
user sees; every other app's scope is built on it."""

from datetime import date

from django.db.models import Q, QuerySet

from schools.models import School, SchoolBoard
from sro_portal.accounts.models import Role
from sro_portal.tenancy import get_in_scope_or_404


def school_qs_for(user, *, on: date | None = None) -> QuerySet[School]:
    """Schools `user` may see.

    Agency admins and supervisors: all of their agency's. An SRO: the schools of their
    assignments in force on `on` (today in the agency's time zone by default). A school admin:
    the schools they are linked to. Anyone else (anonymous, platform staff): none.
    """
    if not getattr(user, "is_authenticated", False) or user.agency_id is None:
        return School.objects.none()
    schools = School.objects.filter(agency_id=user.agency_id)
    if user.sees_whole_agency:
        return schools
    if user.role == Role.SRO:
        day = on or user.agency.today()
        # Assignment lives in `officers`, which imports `schools`, never the reverse: the lookup
        # goes through the reverse relation by name. Both sides carry the same agency.
        # All conditions sit in one filter() call so that they apply to the same assignment row.
        return schools.filter(
            Q(assignments__ends_on__isnull=True) | Q(assignments__ends_on__gte=day),
            assignments__agency_id=user.agency_id,
            assignments__officer=user,
            assignments__starts_on__lte=day,
        ).distinct()
    if user.role == Role.SCHOOL:
        return schools.filter(
            memberships__agency_id=user.agency_id, memberships__user=user
        ).distinct()
    return School.objects.none()


def school_get(*, user, pk: int) -> School:
    return get_in_scope_or_404(school_qs_for(user), pk=pk)


def board_qs_for(user) -> QuerySet[SchoolBoard]:
    """Boards of the user's agency (boards are not youth data; every agency user sees them)."""
    if not getattr(user, "is_authenticated", False) or user.agency_id is None:
        return SchoolBoard.objects.none()
    return SchoolBoard.objects.filter(agency_id=user.agency_id)
