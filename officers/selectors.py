"""Reads of the officers app, all built on the school scope (schools.selectors.school_qs_for).

Who sees what:
- assignments: everyone sees those at the schools they see;
- students and referrals: police roles, for the schools they see; school admins never browse
  them (a student's presence here says the police dealt with them);
- activities: an SRO their own log; supervisors and agency admins the whole agency's;
- community partners: every user of the agency (no youth data in them).
"""

import functools
from datetime import date, timedelta

from django.db import connection
from django.db.models import (
    CharField,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, NullIf

from officers.models import (
    Activity,
    Assignment,
    CommunityPartner,
    OfficerProfile,
    Referral,
    Student,
    by_role,
)
from schools.models import School
from schools.selectors import school_qs_for
from sro_portal.accounts.models import Role, User
from sro_portal.tenancy import get_in_scope_or_404

GAP_HORIZON = timedelta(days=30)


def _agency_user(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.agency_id is not None


# --- Officers and assignments -------------------------------------------------------------------


def officer_qs_for(user) -> QuerySet[User]:
    """The agency's SROs, for its police roles; the SROs of their schools, for school admins."""
    if not _agency_user(user):
        return User.objects.none()
    officers = User.objects.filter(agency_id=user.agency_id, role=Role.SRO)
    if user.role == Role.SCHOOL:
        officers = officers.filter(assignments__school__in=school_qs_for(user)).distinct()
    return officers.select_related("officer_profile").order_by("full_name", "email")


def officer_get(*, user, pk: int) -> User:
    return get_in_scope_or_404(officer_qs_for(user), pk=pk)


def profile_of(officer) -> OfficerProfile | None:
    return OfficerProfile.objects.filter(agency_id=officer.agency_id, user=officer).first()


def assignment_qs_for(user) -> QuerySet[Assignment]:
    """Assignments at the schools `user` sees (an SRO also sees colleagues at their schools)."""
    if not _agency_user(user):
        return Assignment.objects.none()
    return Assignment.objects.filter(
        agency_id=user.agency_id, school__in=school_qs_for(user)
    ).select_related("officer", "school")


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


def coverage_gaps(user, *, on: date | None = None) -> list[Assignment]:
    """Primary assignments ending within 30 days with no primary successor at that school from
    the next day. Two queries."""
    day = on or user.agency.today()
    ending = list(
        assignment_qs_for(user)
        .filter(kind=Assignment.Kind.PRIMARY, ends_on__gte=day, ends_on__lte=day + GAP_HORIZON)
        .order_by("ends_on")
    )
    if not ending:
        return []
    later = Assignment.objects.filter(
        agency_id=user.agency_id,
        kind=Assignment.Kind.PRIMARY,
        school__in={a.school_id for a in ending},
        starts_on__gt=day,
    ).values_list("school_id", "starts_on", "ends_on")
    successors: dict[int, list] = {}
    for school_id, starts_on, ends_on in later:
        successors.setdefault(school_id, []).append((starts_on, ends_on))
    return [
        assignment
        for assignment in ending
        if not any(
            start <= assignment.ends_on + timedelta(days=1)
            and (end is None or end > assignment.ends_on)
            for start, end in successors.get(assignment.school_id, [])
        )
    ]


# --- Students and partners ----------------------------------------------------------------------


def student_qs_for(user) -> QuerySet[Student]:
    if not _agency_user(user) or not user.is_police:
        return Student.objects.none()
    return Student.objects.filter(
        agency_id=user.agency_id, school__in=school_qs_for(user)
    ).select_related("school")


def students_named(term: str) -> Q:
    """Students with `term` anywhere in their first or last name, or as their whole student
    number, in any case: one word of the name search (incident list, student list). On
    PostgreSQL through the function of migration officers/0010, which reads the trigram index:
    under row-level security the same condition written here could use no index (the function
    keeps the policy's agency). Combine it with student_qs_for(), which scopes the schools."""
    if connection.vendor != "postgresql":
        return (
            Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(student_number__iexact=term)
        )
    pattern = f"%{connection.ops.prep_for_like_query(term)}%"  # as icontains escapes it
    return Q(pk__in=RawSQL("SELECT student_ids_named(%s, %s)", (pattern, term)))


def student_get(*, user, pk: int) -> Student:
    return get_in_scope_or_404(student_qs_for(user), pk=pk)


def partner_qs_for(user) -> QuerySet[CommunityPartner]:
    if not _agency_user(user):
        return CommunityPartner.objects.none()
    return CommunityPartner.objects.filter(agency_id=user.agency_id)


def partner_get(*, user, pk: int) -> CommunityPartner:
    return get_in_scope_or_404(partner_qs_for(user), pk=pk)


# --- Activities ---------------------------------------------------------------------------------


def activity_qs_for(user) -> QuerySet[Activity]:
    if not _agency_user(user):
        return Activity.objects.none()
    activities = Activity.objects.filter(agency_id=user.agency_id)
    if user.sees_whole_agency:
        return activities
    if user.role == Role.SRO:
        return activities.filter(officer=user)
    return Activity.objects.none()


def activity_get(*, user, pk: int) -> Activity:
    activities = activity_qs_for(user).select_related("school", "student", "partner", "officer")
    return get_in_scope_or_404(activities, pk=pk)


def last_activity_of(officer) -> Activity | None:
    """The officer's latest entry: its school and category start the next one."""
    return (
        Activity.objects.filter(agency_id=officer.agency_id, officer=officer)
        .order_by("-date", "-id")
        .first()
    )


# The columns of an entry that the agency's list shows (and services.edit_rule reads).
LIST_COLUMNS = ("id", "agency_id", "officer_id", "date", "category", "minutes", "students_reached")


def activity_list_rows(activities: QuerySet[Activity]) -> QuerySet:
    """`activities` as the rows of the agency's list: named tuples of LIST_COLUMNS,
    `officer_name` (as str(officer) writes it: the full name, else the email) and `school_name`.
    The names come by subqueries rather than joins: no User or School instance a row, and the
    count of the list's pages (sro_portal/core/pagination.py) leaves them out, where a join
    would stay in it."""
    return activities.annotate(**_list_names()).values_list(
        *LIST_COLUMNS, "officer_name", "school_name", named=True
    )


@functools.cache
def _list_names() -> dict[str, Subquery]:
    """activity_list_rows' name subqueries, built once (annotate() resolves a copy of each):
    building them cost as much as the rest of the list's query."""
    officers = User.objects.filter(pk=OuterRef("officer_id")).order_by()
    schools = School.objects.filter(pk=OuterRef("school_id")).order_by()
    name_or_email = Coalesce(NullIf("full_name", Value("")), "email", output_field=CharField())
    return {
        "officer_name": Subquery(officers.values(name=name_or_email)),
        "school_name": Subquery(schools.values("name")),
    }


# The columns of an entry that the week shows (and services.edit_rule reads).
WEEK_COLUMNS = (
    "id",
    "agency_id",
    "officer_id",
    "date",
    "category",
    "minutes",
    "students_reached",
    "created_at",
)


def week_of(officer, *, monday: date, yesterday: date | None = None) -> dict:
    """The officer's entries Monday to Sunday, with each day's total minutes; with `yesterday`,
    also the id of the officer's last entry that day (`yesterdays_last`, None without one: the
    week offers to repeat it). One query. The entries are rows, dicts of WEEK_COLUMNS and
    `school_name`: the page only shows them, and a model instance each (and one for its school)
    cost more than the query."""
    days = [monday + timedelta(days=n) for n in range(7)]
    dates = days if yesterday is None else [*days, yesterday]  # IN: one index scan
    rows = (
        Activity.objects.filter(agency_id=officer.agency_id, officer=officer, date__in=dates)
        .order_by("date", "id")
        .values(*WEEK_COLUMNS, school_name=F("school__name"))
    )
    by_day = {day: [] for day in days}
    yesterdays_last = None
    for row in rows:
        if row["date"] == yesterday:
            yesterdays_last = row["id"]  # the day's rows come in the order of their ids
        if row["date"] in by_day:
            by_day[row["date"]].append(row)
    totals = {day: sum(e["minutes"] for e in entries) for day, entries in by_day.items()}
    return {
        "days": [(day, by_day[day], totals[day]) for day in days],
        "total_minutes": sum(totals.values()),
        "students_reached": sum(
            e["students_reached"] for entries in by_day.values() for e in entries
        ),
        "yesterdays_last": yesterdays_last,
    }


# --- Referrals ----------------------------------------------------------------------------------


def referral_qs_for(user) -> QuerySet[Referral]:
    if not _agency_user(user) or not user.is_police:
        return Referral.objects.none()
    return Referral.objects.filter(
        agency_id=user.agency_id, student__in=student_qs_for(user)
    ).select_related("student", "partner", "made_by")


def referral_get(*, user, pk: int) -> Referral:
    return get_in_scope_or_404(referral_qs_for(user), pk=pk)


def referral_loop_rates(user) -> list[dict]:
    """Per partner: referrals made, loops closed (closed or declined with an outcome), rate."""
    rows = (
        referral_qs_for(user)
        .values("partner__name")
        .annotate(
            made=Count("pk"),
            closed=Count(
                "pk", filter=Q(status__in=[Referral.Status.CLOSED, Referral.Status.DECLINED])
            ),
        )
        .order_by("partner__name")
    )
    return [row | {"rate": row["closed"] / row["made"] if row["made"] else 0} for row in rows]


def last_activity_day(activities: QuerySet[Activity]) -> date | None:
    """The latest date among `activities` (read from the end of an index on the date)."""
    return activities.order_by("-date").values_list("date", flat=True).first()


def minutes_by_role(activities: QuerySet[Activity]) -> dict[str, int]:
    """Total minutes per SRO role over `activities` (one query)."""
    # order_by(): an ordered queryset would group by its ordering fields too.
    rows = activities.order_by().values_list("category").annotate(minutes=Sum("minutes"))
    return by_role(dict(rows))
