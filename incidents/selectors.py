"""Reads of incidents, split by who reads.

Police roles (agency admin, supervisor, SRO) read incidents as models, at the schools they see.
School admins never get an Incident or Involvement object: `school_incident_*` return
`SchoolIncident` values built from the columns a school may see, so a template or an export
written for them cannot reach a name, the narrative, the file number or a response. What police
disclosed to a school admin by name comes through `disclosures_to`, apart from the incident.
"""

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from incidents.models import (
    Category,
    Disclosure,
    FollowUp,
    Incident,
    Involvement,
    InvolvementRole,
    Location,
    Severity,
)
from schools.models import School
from schools.selectors import school_qs_for
from sro_portal.accounts.models import Role
from sro_portal.tenancy import get_in_scope_or_404


def _police(user) -> bool:
    return (
        getattr(user, "is_authenticated", False) and user.agency_id is not None and user.is_police
    )


# --- Police roles -------------------------------------------------------------------------------


def incident_qs_for(user) -> QuerySet[Incident]:
    """Incidents at the schools `user` sees, for police roles; none for anyone else."""
    if not _police(user):
        return Incident.objects.none()
    return Incident.objects.filter(agency_id=user.agency_id, school__in=school_qs_for(user))


def incident_get(*, user, pk: int) -> Incident:
    incidents = incident_qs_for(user).select_related("school", "recorded_by")
    return get_in_scope_or_404(incidents, pk=pk)


@dataclass(frozen=True)
class IncidentFilters:
    school_id: int | None = None
    category: str | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    student_ids: tuple[int, ...] | None = None  # from a name search (kept out of URLs)


def incident_search(user, filters: IncidentFilters, *, tz) -> QuerySet[Incident]:
    """Incidents the user sees that pass `filters`, newest first, each with its school's name
    (`school_name`). The name comes by a subquery rather than a join: no School instance a row,
    and the count of the list's pages (sro_portal/core/pagination.py) leaves it out, where a
    join would stay in it."""
    incidents = incident_qs_for(user).annotate(school_name=_school_name())
    if filters.school_id:
        incidents = incidents.filter(school_id=filters.school_id)
    if filters.category:
        incidents = incidents.filter(category=filters.category)
    if filters.status:
        incidents = incidents.filter(status=filters.status)
    if filters.date_from:
        incidents = incidents.filter(occurred_at__gte=_start_of(filters.date_from, tz))
    if filters.date_to:
        incidents = incidents.filter(occurred_at__lt=_start_of(filters.date_to, tz, days=1))
    if filters.student_ids is not None:
        incidents = incidents.filter(
            pk__in=Involvement.objects.filter(
                agency_id=user.agency_id, student_id__in=filters.student_ids
            ).values("incident_id")
        )
    return incidents.order_by("-occurred_at", "-pk")


@functools.cache
def _school_name() -> Subquery:
    """The name of the outer incident's school. Built once a process: a query that uses it
    resolves a copy, as it does of any queryset given to Subquery, and leaves this as it is."""
    return Subquery(School.objects.filter(pk=OuterRef("school_id")).order_by().values("name"))


PEOPLE_COUNTED = (InvolvementRole.SUBJECT, InvolvementRole.VICTIM, InvolvementRole.WITNESS)


def people_counts(user, incident_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """(subjects, victims, witnesses) involved in each of `incident_ids`, in one query.

    Plain SQL rather than the ORM: built through the ORM, this query cost some 3,900 Python
    calls for a list page of 50 incidents (most of them preparing each id of the IN list), a
    tenth of the page's; as SQL, some 800."""
    if not incident_ids:
        return {}
    counts = {pk: [0, 0, 0] for pk in incident_ids}
    roles = [role.value for role in PEOPLE_COUNTED]
    slot = {role: index for index, role in enumerate(roles)}  # a role's place in the counts
    ids = ", ".join(["%s"] * len(incident_ids))
    # Nothing but placeholders and the table's name in the SQL: the values go as parameters.
    sql = (
        f"SELECT incident_id, role, COUNT(*) FROM {Involvement._meta.db_table} "  # noqa: S608
        f"WHERE agency_id = %s AND incident_id IN ({ids}) AND role IN (%s, %s, %s) "
        "GROUP BY incident_id, role"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.agency_id, *incident_ids, *roles])
        for incident_id, role, n in cursor.fetchall():
            counts[incident_id][slot[role]] = n
    return {pk: tuple(values) for pk, values in counts.items()}


def _start_of(day: date, tz, *, days: int = 0) -> datetime:
    return datetime.combine(day + timedelta(days=days), time.min, tzinfo=tz)


def people_of(incident: Incident) -> list[Involvement]:
    return list(
        Involvement.objects.filter(agency_id=incident.agency_id, incident=incident)
        .select_related("student", "incident__agency")
        .order_by("role", "pk")
    )


def student_history(user, student) -> QuerySet[Involvement]:
    """Every involvement of a student in incidents the user may see (police roles)."""
    return (
        Involvement.objects.filter(
            agency_id=user.agency_id, student=student, incident__in=incident_qs_for(user)
        )
        .select_related("incident", "incident__school")
        .order_by("-incident__occurred_at")
    )


def involvement_get(*, user, pk: int) -> Involvement:
    involvements = Involvement.objects.filter(
        agency_id=user.agency_id, incident__in=incident_qs_for(user)
    ).select_related("incident", "student")
    return get_in_scope_or_404(involvements, pk=pk)


def follow_up_get(*, user, pk: int) -> FollowUp:
    follow_ups = FollowUp.objects.filter(
        agency_id=user.agency_id, incident__in=incident_qs_for(user)
    ).select_related("incident", "owner")
    return get_in_scope_or_404(follow_ups, pk=pk)


def overdue_follow_ups(user, *, today: date) -> QuerySet[FollowUp]:
    """Follow-ups past their date and not done: supervisors and agency admins see the agency's,
    an SRO their own."""
    if not _police(user):
        return FollowUp.objects.none()
    follow_ups = FollowUp.objects.filter(
        agency_id=user.agency_id,
        done_on__isnull=True,
        due_on__lt=today,
        incident__in=incident_qs_for(user),  # an SRO moved elsewhere no longer sees old ones
    )
    if user.role == Role.SRO:
        follow_ups = follow_ups.filter(owner=user)
    return follow_ups.select_related("incident", "incident__school", "owner").order_by("due_on")


def disclosure_get(*, user, pk: int) -> Disclosure:
    disclosures = Disclosure.objects.filter(
        agency_id=user.agency_id, incident__in=incident_qs_for(user)
    ).select_related("incident", "recipient")
    return get_in_scope_or_404(disclosures, pk=pk)


# --- School admins ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolIncident:
    """What a school admin may see of an incident: no person, narrative, file number or
    response. Counts of the people involved, by role, say how many without saying who."""

    pk: int
    school_name: str
    occurred_at: datetime
    occurred_until: datetime | None
    location: str
    category: str
    severity: str
    status: str
    school_summary: str
    closing_note: str
    subjects: int
    victims: int
    witnesses: int

    def get_location_display(self):
        return Location(self.location).label

    def get_category_display(self):
        return Category(self.category).label

    def get_severity_display(self):
        return Severity(self.severity).label

    def get_status_display(self):
        return Incident.Status(self.status).label


SCHOOL_COLUMNS = (
    "pk",
    "school__name",
    "occurred_at",
    "occurred_until",
    "location",
    "category",
    "severity",
    "status",
    "school_summary",
    "closing_note",
)


def _school_incidents(user) -> QuerySet:
    if not getattr(user, "is_authenticated", False) or user.role != Role.SCHOOL:
        return Incident.objects.none()
    by_role = {
        name: Count("people", filter=Q(people__role=role))
        for name, role in (
            ("subjects", InvolvementRole.SUBJECT),
            ("victims", InvolvementRole.VICTIM),
            ("witnesses", InvolvementRole.WITNESS),
        )
    }
    return (
        Incident.objects.filter(agency_id=user.agency_id, school__in=school_qs_for(user))
        .annotate(**by_role)
        .values_list(*SCHOOL_COLUMNS, *by_role)
        .order_by("-occurred_at", "-pk")
    )


def school_incident_list(user) -> list[SchoolIncident]:
    """Incidents at a school admin's schools, as the school may see them."""
    return [SchoolIncident(*row) for row in _school_incidents(user)]


def school_incident_qs(user) -> QuerySet:
    """The same, as a query of plain rows (for pagination); wrap rows with SchoolIncident."""
    return _school_incidents(user)


def school_incident_get(*, user, pk: int) -> SchoolIncident:
    row = get_in_scope_or_404(_school_incidents(user), pk=pk)
    return SchoolIncident(*row)


def disclosures_to(user) -> QuerySet[Disclosure]:
    """What police disclosed to this school admin by name and have not withdrawn."""
    if not getattr(user, "is_authenticated", False) or user.role != Role.SCHOOL:
        return Disclosure.objects.none()
    return (
        Disclosure.objects.filter(
            agency_id=user.agency_id,
            recipient=user,
            withdrawn_at__isnull=True,
            # An admin no longer linked to the school no longer sees what was disclosed there.
            incident__school__in=school_qs_for(user),
        )
        .select_related("incident", "incident__school", "disclosed_by")
        .order_by("-created_at")
    )
