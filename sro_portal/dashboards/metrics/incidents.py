"""Incidents that happened in the period, in the five views school-behaviour analysts use: by
category, by month (against the same months of the year before), by location, by hour of the day
and day of the week, and by school. Counts only: nothing about the people involved, so the same
section serves the program and the school audience (whose scope holds only their schools).

Times are on the agency's clock: the period's bounds come from `local_range`, and months, hours
and weekdays are computed in the database in the agency's time zone (an incident at 23:30 local
time is in that day's 23:00 hour, not in the next day's UTC hour).

Three queries whatever the number of incidents: per month, by category (with the open count),
location, hour, weekday and school in one pass (GROUPING SETS), for the period and for the year
before; the names of the scope's schools. A whole agency's whole months are read from the kept
monthly figures instead (rollups: two queries a period, and the pass for the months that
changed; on the dashboard, rollups.prefetch reads the year before's with the other sections').
"""

from zoneinfo import ZoneInfo

from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncMonth
from django.utils.dates import WEEKDAYS

from incidents.models import Category, Incident, Location
from sro_portal.dashboards import rollups
from sro_portal.dashboards.metrics import by_school, counted, grouped, local_range, schools_of
from sro_portal.dashboards.metrics import gettext as _
from sro_portal.dashboards.scope import Audience, Scope, months_between
from sro_portal.dashboards.tables import Figure, Section, Table, percent

CLOSED = Incident.Status.CLOSED.value
FIELDS = ["category", "location", "hour", "weekday", "school_id"]
# COUNT(*) and the status: incident_date_idx covers them (no table read).
COUNTS = {"n": "COUNT(*)", "unclosed": f"COUNT(*) FILTER (WHERE \"status\" <> '{CLOSED}')"}


def compute(scope: Scope) -> dict:
    """The scope's incidents per month on the agency's clock, counted by category (with those
    not closed), location, hour, weekday and school, as JSON (rollups.grouped_json)."""
    first, after = local_range(scope)
    tz = ZoneInfo(scope.tz_name)
    incidents = by_school(
        Incident.objects.filter(
            agency_id=scope.agency_id, occurred_at__gte=first, occurred_at__lt=after
        ),
        scope,
    ).annotate(
        month=TruncMonth("occurred_at", tzinfo=tz),
        hour=ExtractHour("occurred_at", tzinfo=tz),
        weekday=ExtractIsoWeekDay("occurred_at", tzinfo=tz),
    )
    return rollups.grouped_json(grouped(incidents, FIELDS, COUNTS, per="month"))


def build(scope: Scope) -> Section:
    tz = ZoneInfo(scope.tz_name)
    # A whole agency's whole months come from the kept monthly figures (rollups); the year
    # before gives the same months one year earlier (the same days of the year).
    months = rollups.figures(scope, "incident", compute)
    per_month = _per_month(months)
    per_month_before = _per_month(rollups.figures(scope.previous_year(), "incident", compute))
    counts = rollups.sum_grouped(months)

    categories = counts.get("category", {})
    total = sum(row["n"] for row in categories.values())
    still_open = sum(row["unclosed"] for row in categories.values())
    total_before = sum(per_month_before.values())

    locations, hours, weekdays = (
        _numbers(counts.get(field, {})) for field in ("location", "hour", "weekday")
    )
    schools = _school_rows(scope, _numbers(counts.get("school_id", {})))

    change = percent(total - total_before, total_before)
    return Section(
        key="incidents",
        title=_("Incidents"),
        figures=[
            Figure(
                _("Incidents"),
                total,
                detail=_("vs %(count)s the year before") % {"count": counted(total_before)},
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
                        per_month.get(month, 0),
                        per_month_before.get(month.replace(year=month.year - 1), 0),
                    ]
                    for month in months_between(scope.start, scope.end)
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


def _numbers(counts: dict) -> dict:
    """{value: incidents} from sum_grouped()'s {value: {"n": incidents, ...}}."""
    return {value: row["n"] for value, row in counts.items()}


def _per_month(parts) -> dict:
    """{first day of the month: incidents} of rollups.figures()' parts."""
    totals = {}
    for part, figures in parts:
        month = part.start.replace(day=1)
        totals[month] = totals.get(month, 0) + sum(
            row["n"] for _category, row in rollups.rows(figures, "category")
        )
    return totals


def _choice_rows(choices, counts: dict) -> list[list]:
    """Every choice, by its translated label: the most frequent first, then in the choices'
    order (zeros included). A code no longer among the choices is shown as "Other"."""
    rows = [[str(label), counts.get(code, 0)] for code, label in choices.choices]
    known = set(choices.values)  # (a property of the choices class, computed on each read)
    unknown = sum([n for code, n in counts.items() if code not in known])
    if unknown:
        other = next(row for row in rows if row[0] == str(choices.OTHER.label))
        other[1] += unknown
    return sorted(rows, key=lambda row: -row[1])  # stable: ties keep the choices' order


def _school_rows(scope: Scope, counts: dict) -> list[list]:
    """The scope's active schools (zeros included) and any other school of the scope with
    incidents in the period (`counts`), the most incidents first, then by name."""
    # Every school of the scope, filtered here: the ids of 300 schools as query parameters cost
    # more than the few inactive schools' rows.
    rows = [
        [name, counts.get(pk, 0)]
        for pk, name, active in schools_of(scope)
        if active or pk in counts
    ]
    return sorted(rows, key=lambda row: (-row[1], row[0]))
