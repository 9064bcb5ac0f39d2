"""Reads of assignments, built on the school scope."""

from datetime import date

from django.db.models import Prefetch, QuerySet

from officers.models import Assignment
from schools.models import School
from schools.selectors import school_qs_for
from sro_portal.tenancy import get_in_scope_or_404


def assignment_qs_for(user) -> QuerySet[Assignment]:
    """Assignments at the schools `user` sees (an SRO also sees colleagues at their schools)."""
    schools = school_qs_for(user)
    if not user.is_authenticated or user.agency_id is None:
        return Assignment.objects.none()
    return Assignment.objects.filter(agency_id=user.agency_id, school__in=schools).select_related(
        "officer", "school"
    )


def assignment_get(*, user, pk: int) -> Assignment:
    return get_in_scope_or_404(assignment_qs_for(user), pk=pk)


def schools_with_coverage(user, *, on: date | None = None) -> list[School]:
    """The active schools `user` sees, each with `current_assignments` (in force on `on`),
    `primary_officers` and `is_covered` (an active primary SRO). Three queries in all."""
    day = on or user.agency.today()
    in_force = (
        Assignment.objects.filter(agency_id=user.agency_id)
        .covering(day)
        .select_related("officer")
        .order_by("-kind", "officer__full_name")  # "primary" sorts after "backup": reversed
    )
    schools = list(
        school_qs_for(user)
        .filter(is_active=True)
        .select_related("board")
        .prefetch_related(Prefetch("assignments", queryset=in_force, to_attr="current_assignments"))
        .order_by("name")
    )
    for school in schools:
        school.primary_officers = [
            a.officer
            for a in school.current_assignments
            if a.kind == Assignment.Kind.PRIMARY and a.officer.is_active
        ]
        school.is_covered = bool(school.primary_officers)
    return schools
