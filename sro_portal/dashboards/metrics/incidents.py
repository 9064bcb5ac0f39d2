"""Incidents that happened in the period, in the five views school-behaviour analysts use: by
category, by month (against the same months of the year before), by location, by hour of the day
and day of the week, and by school. Counts only: nothing about the people involved, so the same
section serves the program and the school audience (whose scope holds only their schools).

Times are on the agency's clock: the period's bounds come from `local_range`, and months, hours
and weekdays are computed in the database in the agency's time zone (an incident at 23:30 local
time is in that day's 23:00 hour, not in the next day's UTC hour).

Seven queries whatever the number of incidents: by category (with the open count), by month
(this period and the year before, by conditional aggregation), by location, by hour, by weekday,
by school, and the names of the scope's schools.
"""

from datetime import date
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, ExtractMonth, ExtractYear
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from incidents.models import Category, Incident, Location
from schools.models import School
from sro_portal.dashboards.metrics import by_school, local_range
from sro_portal.dashboards.scope import Audience, Scope
from sro_portal.dashboards.tables import Figure, Section, Table, percent


def build(scope: Scope) -> Section:
    first, after = local_range(scope)
    before = scope.previous_year()
    before_first, before_after = local_range(before)
    tz = ZoneInfo(scope.tz_name)

    base = by_school(Incident.objects.filter(agency_id=scope.agency_id), scope)
    in_period = base.filter(occurred_at__gte=first, occurred_at__lt=after)

    categories = {
        row["category"]: row
        for row in in_period.values("category")
        .annotate(n=Count("pk"), unclosed=Count("pk", filter=~Q(status=Incident.Status.CLOSED)))
        .order_by()
    }
    total = sum(row["n"] for row in categories.values())
    still_open = sum(row["unclosed"] for row in categories.values())

    this_period = Q(occurred_at__gte=first, occurred_at__lt=after)
    year_before = Q(occurred_at__gte=before_first, occurred_at__lt=before_after)
    months = {
        (row["year"], row["month"]): (row["now"], row["before"])
        # One range over both periods (an OR of two ranges made PostgreSQL scan the table); the
        # months between them count zero in both.
        for row in base.filter(occurred_at__gte=before_first, occurred_at__lt=after)
        .annotate(year=ExtractYear("occurred_at", tzinfo=tz))
        .annotate(month=ExtractMonth("occurred_at", tzinfo=tz))
        .values("year", "month")
        .annotate(now=Count("pk", filter=this_period), before=Count("pk", filter=year_before))
        .order_by()
    }
    total_before = sum(before for _now, before in months.values())

    locations = _counts(in_period, "location")
    hours = _counts(in_period.annotate(hour=ExtractHour("occurred_at", tzinfo=tz)), "hour")
    weekdays = _counts(
        in_period.annotate(weekday=ExtractIsoWeekDay("occurred_at", tzinfo=tz)), "weekday"
    )
    schools = _school_rows(scope, in_period)

    change = percent(total - total_before, total_before)
    return Section(
        key="incidents",
        title=_("Incidents"),
        figures=[
            Figure(
                _("Incidents"),
                total,
                detail=_("vs %(count)s the year before") % {"count": total_before},
                table="by_month",
            ),
            Figure(
                _("Change vs the year before (%)"),
                change,
                detail="" if change is not None else _("no incidents the year before"),
                table="by_month",
            ),
            Figure(
                _("Open now"),
                still_open,
                detail=_("of the period's incidents: open or under follow-up"),
                table="by_category",
            ),
        ],
        tables=[
            Table(
                key="by_category",
                title=_("Incidents by category"),
                columns=[_("Category"), _("Incidents")],
                rows=_choice_rows(Category, {code: row["n"] for code, row in categories.items()}),
                chart="hbar",
            ),
            Table(
                key="by_month",
                title=_("Incidents by month"),
                columns=[_("Month"), _("This period"), _("Year before")],
                rows=[
                    [
                        f"{month:%Y-%m}",
                        months.get((month.year, month.month), (0, 0))[0],
                        months.get((month.year - 1, month.month), (0, 0))[1],
                    ]
                    for month in _months(scope.start, scope.end)
                ],
                chart="line",
                series=(1, 2),
                description=_(
                    "Each month of the period, and the same month one year earlier (the same "
                    "days of the year)."
                ),
            ),
            Table(
                key="by_location",
                title=_("Incidents by location"),
                columns=[_("Location"), _("Incidents")],
                rows=_choice_rows(Location, locations),
                chart="hbar",
            ),
            Table(
                key="by_hour",
                title=_("Incidents by time of day"),
                columns=[_("Hour"), _("Incidents")],
                rows=[[f"{hour:02d}:00", hours.get(hour, 0)] for hour in range(24)],
                chart="bar",
                description=_("The hour the incident began, on the agency's clock."),
            ),
            Table(
                key="by_weekday",
                title=_("Incidents by day of the week"),
                columns=[_("Day"), _("Incidents")],
                rows=[[str(WEEKDAYS[day - 1]), weekdays.get(day, 0)] for day in range(1, 8)],
                chart="bar",
            ),
            Table(
                key="by_school",
                title=_("Incidents by school"),
                columns=[_("School"), _("Incidents")],
                rows=schools,
                chart="hbar",
            ),
        ],
        note=(
            _("Counts only: the people involved are not shown to schools.")
            if scope.audience == Audience.SCHOOL
            else _("Dates and times are on the agency's clock (%(zone)s).") % {"zone": tz.key}
        ),
    )


def _counts(queryset, field: str) -> dict:
    return {
        row[field]: row["n"] for row in queryset.values(field).annotate(n=Count("pk")).order_by()
    }


def _choice_rows(choices, counts: dict) -> list[list]:
    """Every choice, by its translated label: the most frequent first, then in the choices'
    order (zeros included). A code no longer among the choices is shown as "Other"."""
    rows = [[str(label), counts.get(code, 0)] for code, label in choices.choices]
    unknown = sum(n for code, n in counts.items() if code not in choices.values)
    if unknown:
        other = next(row for row in rows if row[0] == str(choices.OTHER.label))
        other[1] += unknown
    return sorted(rows, key=lambda row: -row[1])  # stable: ties keep the choices' order


def _school_rows(scope: Scope, in_period) -> list[list]:
    """The scope's active schools (zeros included) and any other school of the scope with
    incidents in the period, the most incidents first, then by name."""
    counts = _counts(in_period, "school_id")
    names = by_school(School.objects.filter(agency_id=scope.agency_id), scope, "pk").filter(
        Q(is_active=True) | Q(pk__in=list(counts))
    )
    rows = [[name, counts.get(pk, 0)] for pk, name in names.values_list("pk", "name")]
    return sorted(rows, key=lambda row: (-row[1], row[0]))


def _months(start: date, end: date) -> list[date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (
            month.replace(year=month.year + 1, month=1)
            if month.month == 12
            else (month.replace(month=month.month + 1))
        )
    return months
