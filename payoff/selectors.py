"""Reads of PAYOFF agreements.

Police roles see the agreements at the schools they see; school admins see only the
school-administered agreements of their schools. Nobody sees an agreement whose access period has
ended, even before the daily purge destroys it. The youth's statement is read only through
`statement_of`, by police roles, on its own page.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Concat
from django.http import Http404

from incidents.models import Incident, Involvement, InvolvementRole
from officers.models import Student
from payoff.models import Agreement, Basis, CheckIn, Statement, Task, WorkSession
from schools.models import School
from schools.selectors import school_qs_for
from sro_portal.accounts.models import Role
from sro_portal.tenancy import get_in_scope_or_404


def agreement_qs_for(user) -> QuerySet[Agreement]:
    if not getattr(user, "is_authenticated", False) or user.agency_id is None:
        return Agreement.objects.none()
    today = user.agency.today()
    agreements = Agreement.objects.filter(
        Q(purge_after__isnull=True) | Q(purge_after__gt=today),
        agency_id=user.agency_id,
        school__in=school_qs_for(user),
    )
    if user.is_police:
        return agreements
    if user.role == Role.SCHOOL:
        return agreements.filter(basis=Basis.SCHOOL)
    return Agreement.objects.none()


# What a row of the list shows, beside the names (an agreement has 30 columns).
LIST_FIELDS = ("agency_id", "status", "basis", "starts_on", "due_on")


def agreement_list_for(user) -> QuerySet[Agreement]:
    """The agreements `user` sees, with what a row of the list shows: among it the student's name
    (`student_name`, as str(student) writes it) and the school's (`school_name`). The names come
    by subqueries rather than joins: no Student or School instance a row, and the count of the
    list's pages (sro_portal/core/pagination.py) does not run them (Django keeps them in its
    SQL, PostgreSQL drops them from the plan), where a join would stay in it."""
    students = Student.objects.filter(pk=OuterRef("student_id")).order_by()
    schools = School.objects.filter(pk=OuterRef("school_id")).order_by()
    full_name = Concat("first_name", Value(" "), "last_name")
    return (
        agreement_qs_for(user)
        .only(*LIST_FIELDS)
        .annotate(
            student_name=Subquery(students.values(name=full_name)),
            school_name=Subquery(schools.values("name")),
        )
    )


def agreement_get(*, user, pk: int) -> Agreement:
    agreements = agreement_qs_for(user).select_related(
        "student", "school", "officer", "co_signer", "incident", "approved_by"
    )
    return get_in_scope_or_404(agreements, pk=pk)


def statement_of(*, user, agreement: Agreement) -> Statement | None:
    """The youth's statement, for police roles only (None for anyone else or when absent)."""
    if not user.is_police:
        return None
    return Statement.objects.filter(agency_id=agreement.agency_id, agreement=agreement).first()


def task_get(*, user, pk: int) -> Task:
    tasks = Task.objects.filter(agency_id=user.agency_id, agreement__in=agreement_qs_for(user))
    return get_in_scope_or_404(tasks.select_related("agreement"), pk=pk)


def session_get(*, user, pk: int) -> WorkSession:
    sessions = WorkSession.objects.filter(
        agency_id=user.agency_id, agreement__in=agreement_qs_for(user)
    )
    return get_in_scope_or_404(sessions.select_related("agreement", "task"), pk=pk)


def check_in_get(*, user, pk: int) -> CheckIn:
    """A check-in, for police roles (school admins never answer one)."""
    if not getattr(user, "is_authenticated", False) or not user.is_police:
        raise Http404
    check_ins = CheckIn.objects.filter(
        agency_id=user.agency_id, agreement__in=agreement_qs_for(user)
    )
    return get_in_scope_or_404(check_ins.select_related("agreement", "agreement__student"), pk=pk)


def check_ins_due(user, *, today) -> QuerySet[CheckIn]:
    """Check-ins due and not yet answered, for police roles (an SRO: their own agreements)."""
    if not getattr(user, "is_authenticated", False) or not user.is_police:
        return CheckIn.objects.none()
    check_ins = CheckIn.objects.filter(
        agency_id=user.agency_id,
        agreement__in=agreement_qs_for(user),
        reoffended__isnull=True,
        due_on__lte=today,
    )
    if user.role == Role.SRO:
        check_ins = check_ins.filter(agreement__officer=user)
    return check_ins.select_related("agreement", "agreement__school").order_by("due_on")


# --- Progress -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskProgress:
    task: Task
    done: Decimal
    required: Decimal

    @property
    def complete(self) -> bool:
        return self.done >= self.required

    @property
    def percent(self) -> int:
        return min(100, int(self.done * 100 / self.required)) if self.required else 100


def progress_of(agreement: Agreement) -> list[TaskProgress]:
    """Done against required, task by task (hours summed, or sessions counted). Two queries."""
    tasks = list(Task.objects.filter(agency_id=agreement.agency_id, agreement=agreement))
    totals = {
        row["task_id"]: row
        for row in WorkSession.objects.filter(agency_id=agreement.agency_id, agreement=agreement)
        .values("task_id")
        .annotate(hours=Sum("hours"), sessions=Count("pk"))
    }
    progress = []
    for task in tasks:
        row = totals.get(task.pk, {"hours": Decimal(0), "sessions": 0})
        done = row["hours"] if task.unit == Task.Unit.HOURS else Decimal(row["sessions"])
        progress.append(TaskProgress(task=task, done=done or Decimal(0), required=task.required))
    return progress


def overall_percent(progress: list[TaskProgress]) -> int:
    if not progress:
        return 0
    return sum(item.percent for item in progress) // len(progress)


def percent_by_agreement(user, agreements: list[Agreement]) -> dict[int, int]:
    """Overall progress of each of `agreements` (a page of agreement_list_for(user)), in one
    query: overall_percent(progress_of(agreement)) for each, left out for one without tasks.
    Only of the agreements the user sees (agreement_qs_for), whatever ids the caller gives."""
    if not agreements:
        return {}
    ids = [agreement.pk for agreement in agreements]
    tasks = (
        Task.objects.filter(
            agency_id=user.agency_id, agreement__in=agreement_qs_for(user).filter(pk__in=ids)
        )
        .order_by()
        .values_list("agreement_id", "pk", "unit", "required")
        .annotate(hours=Sum("sessions__hours"), sessions=Count("sessions"))
    )
    progress: dict[int, list[TaskProgress]] = {}
    for agreement_id, _task_id, unit, required, hours, sessions in tasks:
        done = (hours or Decimal(0)) if unit == Task.Unit.HOURS else Decimal(sessions)
        item = TaskProgress(task=None, done=done, required=required)
        progress.setdefault(agreement_id, []).append(item)
    return {pk: overall_percent(items) for pk, items in progress.items()}


# --- Re-offence ---------------------------------------------------------------------------------


def proposed_reoffence(check_in: CheckIn) -> list[Incident]:
    """Incidents after the agreement's completion, up to the check-in, where the student was a
    subject: the portal's proposal, which the officer confirms."""
    agreement = check_in.agreement
    subjects = Involvement.objects.filter(
        agency_id=agreement.agency_id, student_id=agreement.student_id, role=InvolvementRole.SUBJECT
    ).values("incident_id")
    # Days on the agency's calendar: from the midnight after completion to the midnight after
    # the check-in's date, local time (an evening incident is not "tomorrow" in UTC terms).
    tz = agreement.agency.tzinfo
    after = datetime.combine(agreement.closed_on + timedelta(days=1), time.min, tzinfo=tz)
    until = datetime.combine(check_in.due_on + timedelta(days=1), time.min, tzinfo=tz)
    return list(
        Incident.objects.filter(
            agency_id=agreement.agency_id,
            pk__in=subjects,
            occurred_at__gte=after,
            occurred_at__lt=until,
        ).order_by("occurred_at")
    )


@dataclass(frozen=True)
class ReoffenceRate:
    school_id: int
    school_name: str
    school_year: str
    confirmed: int
    reoffended: int

    @property
    def rate(self) -> float:
        return self.reoffended / self.confirmed if self.confirmed else 0.0


def reoffence_rates(user, *, months: int = 12) -> list[ReoffenceRate]:
    """Per school and school year of completion: confirmed check-ins and re-offences, for
    supervisors and agency admins (police roles see what they may)."""
    if not user.is_police:
        return []
    agency = user.agency
    rows = CheckIn.objects.filter(
        agency_id=user.agency_id,
        agreement__in=agreement_qs_for(user),
        months=months,
        reoffended__isnull=False,
    ).values_list(
        "agreement__school_id", "agreement__school__name", "agreement__closed_on", "reoffended"
    )
    counts: dict[tuple[int, str, str], list[int]] = {}
    for school_id, school_name, closed_on, reoffended in rows:
        key = (school_id, school_name, agency.school_year_for(closed_on).label)
        confirmed_and_reoffended = counts.setdefault(key, [0, 0])
        confirmed_and_reoffended[0] += 1
        confirmed_and_reoffended[1] += int(reoffended)
    return [
        ReoffenceRate(school_id, school, year, confirmed, reoffended)
        for (school_id, school, year), (confirmed, reoffended) in sorted(
            counts.items(), key=lambda item: (item[0][1], item[0][2], item[0][0])
        )
    ]
