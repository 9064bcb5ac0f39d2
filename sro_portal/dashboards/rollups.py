"""Monthly figures of a whole agency, kept so that the program dashboard does not aggregate a
year of rows on every view (a 300-school agency logs 230,000 activities and 46,000 incidents a
year: over a second of SQL for the page).

How it stays exact: database triggers (migration dashboards/0004) raise a month's FigureVersion
after every statement that writes its activities, incidents or involvements, whoever writes them
(the portal, a purge, an import, psql). A MonthlyFigures row records the version it was computed
at; it is used only while that version is still the month's (and while the agency keeps the
settings it was computed with: its time zone, for incidents), and is computed again otherwise.
The version is read *before* the rows are aggregated, so a change committed in between makes the
row look out of date, never the reverse. TRUNCATE fires no row trigger: whoever truncates a
source table deletes the MonthlyFigures rows too (Django's test flush truncates both).

Only scopes of the whole agency over whole months use it: a school's or an officer's figures
read a few hundred rows through their own indexes, and the days of a period that do not make a
whole month (a custom range) are aggregated from the rows. PostgreSQL only: the SQLite demo reads
the rows themselves.

A metric that uses it gives `compute(scope)`: its figures for a scope *per month* (the month's
first day in ISO, on the agency's calendar -> plain JSON values), in a bounded number of queries
whatever the number of months; `figures()` returns the months of the period with their figures,
for the metric to add up.
"""

from calendar import monthrange
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection

from sro_portal.dashboards.models import FigureVersion, MonthlyFigures
from sro_portal.dashboards.scope import Scope

SOURCES = ("activity", "incident", "response")  # the triggers' sources (migration 0004)
# The layout of MonthlyFigures.figures (grouped_json): kept rows of another layout are computed
# again, so changing it needs no data migration. Raise it when the layout changes.
FORMAT = "f2"

Compute = Callable[[Scope], dict[str, dict]]


def figures(
    scope: Scope, source: str, compute: Compute, *, basis: str = ""
) -> list[tuple[Scope, dict]]:
    """The scope's period cut into parts (whole months, and the days around them), each with its
    figures, in order. Whole months of a whole agency come from the kept MonthlyFigures while
    they are exact; everything else from compute(). `basis`: the agency settings the figures
    depend on besides the rows (default: the time zone); kept figures of another basis are
    computed again."""
    if not _kept(scope):
        return _parts(scope, compute(scope))
    edges, months = [], []
    for start, end in periods(scope.start, scope.end):
        whole = start.day == 1 and end == _month_end(start)
        (months if whole else edges).append((start, end))
    parts = [part for start, end in edges for part in _computed(scope, start, end, compute)]
    basis = f"{FORMAT} {basis or scope.tz_name}"
    parts += _monthly(scope, source, [start for start, _end in months], compute, basis)
    return sorted(parts, key=lambda part: part[0].start)


def periods(start: date, end: date) -> list[tuple[date, date]]:
    """[start, end] cut at every first of a month inside it, in order."""
    cuts = set()
    month = _next_month(start)
    while month <= end:
        cuts.add(month)
        month = _next_month(month)
    bounds = [start, *sorted(cuts)]
    ends = [day - timedelta(days=1) for day in bounds[1:]] + [end]
    return list(zip(bounds, ends, strict=True))


def _kept(scope: Scope) -> bool:
    """Whole-agency figures on PostgreSQL (where the triggers are)."""
    return (
        connection.vendor == "postgresql" and scope.school_ids is None and scope.officer_id is None
    )


def _parts(scope: Scope, by_month: dict) -> list[tuple[Scope, dict]]:
    """compute()'s months as (the part of the scope in that month, its figures)."""
    parts = []
    for start, end in periods(scope.start, scope.end):
        month_figures = by_month.get(start.replace(day=1).isoformat())
        if month_figures is not None:
            parts.append((replace(scope, start=start, end=end), month_figures))
    return parts


def _computed(scope, start, end, compute) -> list[tuple[Scope, dict]]:
    part = replace(scope, start=start, end=end)
    month_figures = compute(part).get(start.replace(day=1).isoformat())
    return [(part, month_figures)] if month_figures is not None else []


def _monthly(scope: Scope, source: str, months: list[date], compute, basis: str) -> list:
    """Each whole month's figures: kept ones while exact; the others computed in one go (from
    the first to the last of them) and kept."""
    if not months:
        return []
    # The versions first: a change committed after this read makes what is computed below look
    # out of date at the next view (computed again), never a stale row look exact.
    versions = dict(
        FigureVersion.objects.filter(
            agency_id=scope.agency_id, source=source, month__in=months
        ).values_list("month", "version")
    )
    kept = {
        row.month: row
        for row in MonthlyFigures.objects.filter(
            agency_id=scope.agency_id, source=source, month__in=months
        )
    }
    exact = {
        month: kept[month].figures
        for month in months
        if month in kept
        and kept[month].version == versions.get(month, 0)
        and kept[month].basis == basis
    }
    stale = [month for month in months if month not in exact]
    if stale:
        fresh = compute(replace(scope, start=stale[0], end=_month_end(stale[-1])))
        rows = []
        for month in stale:
            exact[month] = fresh.get(month.isoformat(), {})
            rows.append(
                MonthlyFigures(
                    agency_id=scope.agency_id,
                    source=source,
                    month=month,
                    version=versions.get(month, 0),
                    basis=basis,
                    figures=exact[month],
                )
            )
        MonthlyFigures.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["agency", "source", "month"],
            update_fields=["version", "basis", "figures"],
        )
    return [(replace(scope, start=month, end=_month_end(month)), exact[month]) for month in months]


def _month_end(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


def _next_month(day: date) -> date:
    return _month_end(day) + timedelta(days=1)


# --- Figures as JSON: metrics.grouped(per="month") results ------------------------------------


def grouped_json(result: dict) -> dict[str, dict]:
    """metrics.grouped(per=month)'s {month: {field: {value: {aggregate: n}}}} as JSON, compact
    (a year of a large agency is thousands of groups): {"2026-09-01": {"columns": [aggregate,
    ...], field: [[value, n, ...], ...]}}; dates as ISO text, numbers as ints (NULL sums 0)."""
    months = {}
    for month, fields in result.items():
        columns = next((list(row) for groups in fields.values() for row in groups.values()), [])
        months[_json_value(month)[:10]] = {
            "columns": columns,
            **{
                field: [
                    [_json_value(value), *(int(row[name] or 0) for name in columns)]
                    for value, row in groups.items()
                ]
                for field, groups in fields.items()
            },
        }
    return months


def rows(figures: dict, field: str):
    """(value, {aggregate: n}) of one field in one part's grouped_json() figures."""
    columns = figures.get("columns", [])
    for value, *numbers in figures.get(field, []):
        yield value, dict(zip(columns, numbers, strict=True))


def sum_grouped(parts: list[tuple[Scope, dict]]) -> dict[str, dict]:
    """The grouped_json() figures of several parts added up: {field: {value: {aggregate: n}}}."""
    total: dict[str, dict] = {}
    for _scope, part in parts:
        columns = part.get("columns", [])
        for field, groups in part.items():
            if field == "columns":
                continue
            field_total = total.setdefault(field, {})
            for value, *numbers in groups:
                into = field_total.get(value)
                if into is None:
                    field_total[value] = dict(zip(columns, numbers, strict=True))
                else:
                    for name, number in zip(columns, numbers, strict=True):
                        into[name] += number
    return total


def _json_value(value):
    if isinstance(value, date):  # a datetime too (DATE_TRUNC of a date is a timestamp)
        return value.isoformat()
    if isinstance(value, Decimal | float):
        return int(value)  # EXTRACT(hour ...) comes back as a Decimal: hours, weekdays
    return value
