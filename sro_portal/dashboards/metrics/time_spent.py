"""Time: the hours officers logged in the period (the activity log), by activity category, by SRO
role (law enforcement, educator, mentor and counsellor: officers.models.CATEGORY_ROLES), per
officer, per school and per month, and the students they reached.

Activities are dated (a DateField), so the period is `date` between scope.start and scope.end.
The school audience sees the time officers spent at their schools (officers' names, no
students); the officer audience sees their own log only, without the per-officer table.

Queries: three (the activities grouped four ways in one pass, the officers' names, the schools'
names); two for the officer audience. A whole agency's whole months are read from the kept
monthly figures instead (rollups: two queries, and the pass above for the months that changed).
Hours are minutes / 60 rounded to one decimal per row; shares are computed from minutes.
"""

from django.db.models.functions import TruncMonth
from django.utils.translation import pgettext

from officers.models import Activity, ActivityCategory, by_role
from sro_portal.dashboards import rollups
from sro_portal.dashboards.metrics import by_school, grouped, officer_names, school_names
from sro_portal.dashboards.metrics import gettext as _
from sro_portal.dashboards.scope import Audience, Scope, months_between
from sro_portal.dashboards.tables import Figure, Section, Table, percent


def hours(minutes: int | None) -> float:
    return round((minutes or 0) / 60, 1)


def activities_in(scope: Scope):
    """The scope's activities: the agency, the period, its schools and, for an officer, theirs."""
    activities = Activity.objects.filter(
        agency_id=scope.agency_id, date__gte=scope.start, date__lte=scope.end
    )
    activities = by_school(activities, scope)
    if scope.audience == Audience.OFFICER or scope.officer_id is not None:
        activities = activities.filter(officer_id=scope.officer_id)
    return activities.order_by()


# Counted with COUNT(*) so that PostgreSQL reads activity_date_idx alone (it covers them).
TOTALS = {"minutes": 'SUM("minutes")', "count": "COUNT(*)", "students": 'SUM("students_reached")'}


def _by_hours(rows: list[list]) -> list[list]:
    """Most hours first, then by label."""
    return sorted(rows, key=lambda row: (-row[1], str(row[0]).casefold()))


def compute(scope: Scope) -> dict:
    """The scope's activities per month, summed by category, school and (but in an officer's own
    view) officer, as JSON (rollups.grouped_json)."""
    fields = ["category", "school_id"]
    if scope.audience != Audience.OFFICER:
        fields.append("officer_id")
    activities = activities_in(scope).annotate(month=TruncMonth("date"))
    return rollups.grouped_json(grouped(activities, fields, TOTALS, per="month"))


def minutes_by_category(scope: Scope) -> dict[str, int]:
    """{category: minutes} of the scope's activities (kept monthly figures where the scope has
    them: the activity list's time by role uses this for the whole agency)."""
    # Only the categories are read and added up: each month also holds its schools' and
    # officers' rows (450 a month in a large agency), which this does not need.
    months = rollups.figures(scope, "activity", compute, fields=("category",))
    totals = rollups.sum_grouped(months, fields=("category",))
    return {category: row["minutes"] for category, row in totals.get("category", {}).items()}


def build(scope: Scope) -> Section:
    # A whole agency's whole months come from the kept monthly figures (rollups).
    months = rollups.figures(scope, "activity", compute)
    totals = rollups.sum_grouped(months)
    tables = [
        make(scope, months, totals) for key, (_field, make) in TABLES.items() if _shown(scope, key)
    ]
    minutes = count = students = 0
    for row in totals.get("category", {}).values():
        minutes += row["minutes"] or 0
        count += row["count"]
        students += row["students"] or 0
    return Section(
        key="time",
        title=pgettext("time spent", "Time"),
        figures=[
            Figure(_("Hours logged"), hours(minutes), table="by_category"),
            Figure(_("Activities"), count, table="by_category"),
            Figure(_("Students reached"), students, table="by_school"),
        ],
        tables=tables,
        note=_(
            "Students reached are summed over activities: a student reached twice counts twice."
        ),
    )


def table(scope: Scope, key: str) -> Table | None:
    """The section's table `key` alone, as build() makes it (the CSV export): only the kept
    figures of the field it adds up are read, and only the names it shows."""
    if key not in TABLES or not _shown(scope, key):
        return None
    field, make = TABLES[key]
    months = rollups.figures(scope, "activity", compute, fields=(field,))
    return make(scope, months, rollups.sum_grouped(months, fields=(field,)))


def _shown(scope: Scope, key: str) -> bool:
    """Hours per officer are not in an officer's own view."""
    return key != "by_officer" or scope.audience != Audience.OFFICER


def _counted() -> list[str]:
    return [_("Hours"), _("Activities"), _("Students reached")]


def _category_table(scope: Scope, months: list, totals: dict) -> Table:
    rows = [
        [
            str(ActivityCategory(code).label),
            hours(row["minutes"]),
            row["count"],
            row["students"] or 0,
        ]
        for code, row in totals.get("category", {}).items()
    ]
    return Table(
        key="by_category",
        title=_("Hours by activity category"),
        columns=[_("Category"), *_counted()],
        rows=_by_hours(rows),
        chart="hbar",
        description=_(
            "Hours (minutes logged / 60, one decimal) of the activities dated in the "
            "period, with the number of entries and the students they reached."
        ),
    )


def _role_table(scope: Scope, months: list, totals: dict) -> Table:
    """Each category serves one role (officers.models.by_role)."""
    by_category = totals.get("category", {})
    total = sum(row["minutes"] or 0 for row in by_category.values())
    role_minutes = by_role({code: row["minutes"] for code, row in by_category.items()})
    return Table(
        key="by_role",
        title=_("Hours by SRO role"),
        columns=[_("SRO role"), _("Hours"), _("Share of hours (%)")],
        rows=[
            [str(role.label), hours(minutes), percent(minutes, total)]
            for role, minutes in role_minutes.items()
        ],
        chart="bar",
        description=_(
            "Each activity category serves one role; administration counts with law "
            "enforcement. The share is of all minutes logged in the period."
        ),
    )


def _officer_table(scope: Scope, months: list, totals: dict) -> Table:
    names = officer_names(scope)
    rows = [
        [names.get(pk, ""), hours(row["minutes"]), row["count"], row["students"] or 0]
        for pk, row in totals.get("officer_id", {}).items()
    ]
    return Table(
        key="by_officer",
        title=_("Hours per officer"),
        columns=[_("Officer"), *_counted()],
        rows=_by_hours(rows),
        chart="hbar",
        description=_("Hours each officer logged in the period at the schools shown."),
    )


def _school_table(scope: Scope, months: list, totals: dict) -> Table:
    names = school_names(scope)
    rows = [
        [names.get(pk, ""), hours(row["minutes"]), row["count"], row["students"] or 0]
        for pk, row in totals.get("school_id", {}).items()
    ]
    return Table(
        key="by_school",
        title=_("Hours per school"),
        columns=[_("School"), *_counted()],
        rows=_by_hours(rows),
        chart="hbar",
        description=_("Hours officers logged at each school in the period."),
    )


def _month_table(scope: Scope, months: list, totals: dict) -> Table:
    """Every month of the period (months without entries count zero), from its categories."""
    monthly = {}  # {first day of the month: the month's totals}
    for part, figures in months:
        month = monthly.setdefault(part.start.replace(day=1), dict.fromkeys(TOTALS, 0))
        for _category, row in rollups.rows(figures, "category"):
            for name in TOTALS:
                month[name] += row[name]
    rows = []
    for month in months_between(scope.start, scope.end):
        row = monthly.get(month)
        rows.append(
            [
                month.strftime("%Y-%m"),
                hours(row["minutes"]) if row else 0.0,
                row["count"] if row else 0,
                (row["students"] or 0) if row else 0,
            ]
        )
    return Table(
        key="by_month",
        title=_("Hours per month"),
        columns=[_("Month"), *_counted()],
        rows=rows,
        chart="line",
        description=_("Hours logged in each month of the period (by the activity's date)."),
    )


# The section's tables in page order: {key: (the grouped field it adds up, its maker)}.
TABLES = {
    "by_category": ("category", _category_table),
    "by_role": ("category", _role_table),
    "by_officer": ("officer_id", _officer_table),
    "by_school": ("school_id", _school_table),
    "by_month": ("category", _month_table),
}
