"""Reads of schools and boards. `school_qs_for` is the one place that decides which schools a
user sees; every other app's scope is built on it."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db.models import (
    BooleanField,
    DateField,
    ExpressionWrapper,
    F,
    Func,
    Q,
    QuerySet,
)

from schools.compliance import DrillFact, board_rules, school_cells, school_compliance
from schools.models import (
    CorrectiveAction,
    Drill,
    DrillRule,
    School,
    SchoolBoard,
    drill_moment,
)
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


def board_get(*, user, pk: int) -> SchoolBoard:
    return get_in_scope_or_404(board_qs_for(user), pk=pk)


def drill_qs_for(user) -> QuerySet[Drill]:
    """Drills at the schools `user` sees."""
    if not getattr(user, "is_authenticated", False) or user.agency_id is None:
        return Drill.objects.none()
    return Drill.objects.filter(agency_id=user.agency_id, school__in=school_qs_for(user))


def drill_get(*, user, pk: int) -> Drill:
    drills = drill_qs_for(user).select_related("school", "leader", "recorded_by")
    return get_in_scope_or_404(drills, pk=pk)


def corrective_action_get(*, user, pk: int) -> CorrectiveAction:
    actions = CorrectiveAction.objects.filter(
        agency_id=user.agency_id, drill__in=drill_qs_for(user)
    ).select_related("drill", "owner")
    return get_in_scope_or_404(actions, pk=pk)


def rules_by_board(agency_id: int) -> dict[int, list]:
    """The agency's drill rules by board, as named rows of the fields compliance reads
    (compliance.board_rules): no model instance for each."""
    rules: dict[int, list] = {}
    rows = DrillRule.objects.filter(agency_id=agency_id).values_list(
        "board_id", "kind", "period", "required", "unannounced_required", named=True
    )
    for rule in rows:
        rules.setdefault(rule.board_id, []).append(rule)
    return rules


def drill_facts(
    schools, *, agency_id: int, start: date, end: date, tz
) -> dict[int, list[DrillFact]]:
    """Completed and scheduled drills of `schools` between two dates, as compliance facts by
    school: one query, whatever the number of schools. PostgreSQL gives the agency's date and
    whether the drill was done: a large agency's year is thousands of rows, and converting
    their timestamps in Python cost more than the query. The facts are the database's rows of
    DrillFact's fields, plain tuples as values_list() gives them, made in C: a named row costs
    two Python calls more (compliance reads the facts by position)."""
    start_at = datetime.combine(start, time.min, tzinfo=tz)
    end_at = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    rows = (
        Drill.objects.filter(agency_id=agency_id, school__in=schools)
        .exclude(status=Drill.Status.CANCELLED)
        # The moment that counts (Drill.happened_on): when it started, else when it was planned.
        .alias(moment=drill_moment())
        .filter(moment__gte=start_at, moment__lt=end_at)
        .order_by()
        .annotate(
            completed=ExpressionWrapper(
                Q(status=Drill.Status.COMPLETED), output_field=BooleanField()
            ),
            on=_LocalDate(F("moment"), tz),
        )
        .values_list(*DrillFact._fields)
    )
    by_school = defaultdict(list)  # one call a row (setdefault() and append() would be two)
    for fact in rows:
        by_school[fact[4]].append(fact)  # its school_id
    return dict(by_school)  # a plain dict: looking up a school without drills adds nothing


class _LocalDate(Func):
    """The date of a timestamp on the agency's calendar, as the database's own date cast
    (PostgreSQL: `(moment AT TIME ZONE zone)::date`; SQLite, the demo, its own function).
    TruncDate says the same in SQL but converts each value again in Python: a third of the time
    of a large agency's year of drills."""

    output_field = DateField()

    def __init__(self, moment, tz):
        super().__init__(moment)
        self.zone = str(tz)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return connection.ops.datetime_cast_date_sql(sql, tuple(params), self.zone)


def compliance_matrix(
    user, *, year, today: date, board: int | None = None
) -> list[tuple[tuple, list]]:
    """Every active school the user sees (of the board whose id is `board`, when given), by
    name, with its compliance cells for `year` (compliance_of)."""
    schools = school_qs_for(user).filter(is_active=True)
    if board is not None:
        schools = schools.filter(board_id=board)
    return compliance_of(schools, agency=user.agency, year=year, today=today)


def compliance_of(schools, *, agency, year, today: date) -> list[tuple[tuple, list]]:
    """The schools of the queryset `schools` (of `agency`), by name, with their compliance cells
    for `year`: (school, cells) where a school is a named tuple (pk, name, board_id), lighter
    than a model instance for hundreds of them. Each board's rules are worked out once. Three
    queries, whatever the number of schools."""
    rules = {
        board_id: board_rules(found, year) for board_id, found in rules_by_board(agency.pk).items()
    }
    # The facts' query takes the schools as a subquery, not their ids one by one.
    facts = drill_facts(
        schools.values("pk"), agency_id=agency.pk, start=year.start, end=year.end, tz=agency.tzinfo
    )
    rows = schools.order_by("name", "pk").values_list("pk", "name", "board_id", named=True)
    return [
        (school, school_cells(rules.get(school.board_id, []), facts.get(school.pk, ()), today))
        for school in rows
    ]


def school_compliance_now(school: School) -> list:
    """The school's compliance for the current school year (system use: reminders)."""
    agency = school.agency
    today = agency.today()
    year = agency.school_year_for(today)
    rules = list(DrillRule.objects.filter(agency_id=school.agency_id, board_id=school.board_id))
    facts = drill_facts(
        [school], agency_id=school.agency_id, start=year.start, end=year.end, tz=agency.tzinfo
    )
    return school_compliance(rules=rules, facts=facts.get(school.pk, []), year=year, today=today)
