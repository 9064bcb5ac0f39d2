"""Monthly figures of a whole agency, kept so that the program dashboard does not aggregate a
year of rows on every view (a 300-school agency logs 230,000 activities and 46,000 incidents a
year: over a second of SQL for the page).

How it stays exact: database triggers (migrations dashboards/0004 and 0005) raise a day's
FigureVersion after every statement that writes its activities, incidents, involvements, PAYOFF
agreements, work sessions or check-ins, whoever writes them (the portal, a purge, an import,
psql). A MonthlyFigures row records the sum of its days'
versions when it was computed; it is used only while that sum is still theirs (and while the
agency keeps the settings it was computed with: its time zone, for incidents), and is computed
again otherwise. This month is kept up to yesterday and today is read from the rows, so the
entries logged all day long do not make the month's kept figures out of date.
The version is read *before* the rows are aggregated, so a change committed in between makes the
row look out of date, never the reverse. TRUNCATE fires none of these triggers (they are for
INSERT, UPDATE and DELETE): whoever truncates a source table deletes the MonthlyFigures rows too
(Django's test flush truncates both).

Only scopes of the whole agency use it, for their whole months (this month: up to yesterday): a
school's or an officer's figures read a few hundred rows through their own indexes, and the days
of a period that do not make a whole month (a custom range, today) are aggregated from the
rows. PostgreSQL only: the SQLite demo reads
the rows themselves.

A metric that uses it gives `compute(scope)`: its figures for a scope *per month* (the month's
first day in ISO, on the agency's calendar -> plain JSON values), in a bounded number of queries
whatever the number of months; `figures()` returns the months of the period with their figures,
for the metric to add up.
"""

import json
from calendar import monthrange
from collections import defaultdict, namedtuple
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from sro_portal.dashboards.models import FigureVersion, MonthlyFigures
from sro_portal.dashboards.scope import Scope, months_between

# The triggers' sources (migrations 0004 and 0005).
SOURCES = ("activity", "incident", "response", "agreement", "work", "checkin")
# The layout of MonthlyFigures.figures (grouped_json): kept rows of another layout are computed
# again, so changing it needs no data migration. Raise it when the layout changes.
FORMAT = "f2"

Compute = Callable[[Scope], dict[str, dict]]
# A kept MonthlyFigures row, as read (_read_many).
Kept = namedtuple("Kept", "source month version basis figures")


def figures(
    scope: Scope, source: str, compute: Compute, *, basis: str = "", fields: tuple[str, ...] = ()
) -> list[tuple[Scope, dict]]:
    """The scope's period cut into parts (months, and the days around them), each with its
    figures, in order. Whole months of a whole agency up to yesterday (this month: its days up
    to yesterday) come from the kept MonthlyFigures while they are exact; everything else (today
    and after, the days of a custom range that make no whole month) from compute(). `basis`: the
    agency settings the figures depend on besides the rows (default: the time zone); kept
    figures of another basis are computed again."""
    if not _kept(scope):
        return _parts(scope, scope.start, scope.end, compute(scope))
    units, edges = _cut(scope)
    parts = [
        part
        for start, end in edges
        for part in _parts(scope, start, end, compute(replace(scope, start=start, end=end)))
    ]
    basis = f"{FORMAT} {basis or scope.tz_name}"
    parts += _kept_months(scope, source, units, compute, basis, fields)
    return sorted(parts, key=lambda part: part[0].start)


def prefetch(scope: Scope) -> None:
    """Reads the versions and kept rows of every source for the scope's whole months, and of
    YEAR_BEFORE's sources for the same months a year earlier (scope.previous_year(), which
    shares `kept`), in two queries, for the figures() calls that follow with this scope or a
    copy of it (each source's read is used once). The program dashboard asks for seven periods
    of sources one after the other: fourteen queries otherwise. Reading the versions earlier
    keeps the order that matters: before the rows are aggregated."""
    if not _kept(scope):
        return
    reads = [
        (sources, units)
        for sources, units in (
            (SOURCES, _cut(scope)[0]),
            (YEAR_BEFORE, _cut(scope.previous_year())[0]),
        )
        if units
    ]
    for (_sources, units), found in zip(reads, _read_many(scope, reads), strict=True):
        scope.kept[(units[0][0], units[-1][1])] = found


# The sources whose figures the dashboard also reads for the year before (incidents: each month
# against the same month one year earlier).
YEAR_BEFORE = ("incident",)


def _cut(scope: Scope) -> tuple[list, list]:
    """The scope's period as (units, edges): the whole months up to yesterday (this month: its
    days up to yesterday), kept; the rest (today and after, the days of a custom range that
    make no whole month), read from the rows."""
    today = timezone.localdate(timezone=ZoneInfo(scope.tz_name))
    units, edges = [], []
    for start, end in periods(scope.start, min(scope.end, today - timedelta(days=1))):
        whole = start.day == 1 and (end == _month_end(start) or end == today - timedelta(days=1))
        (units if whole else edges).append((start, end))
    if scope.end >= today:
        edges.append((max(scope.start, today), scope.end))
    return units, edges


def periods(start: date, end: date) -> list[tuple[date, date]]:
    """[start, end] cut at every first of a month inside it, in order (none when end < start)."""
    if end < start:
        return []
    bounds = [start, *(month for month in months_between(start, end) if month > start)]
    ends = [day - timedelta(days=1) for day in bounds[1:]] + [end]
    return list(zip(bounds, ends, strict=True))


def _kept(scope: Scope) -> bool:
    """Whole-agency figures on PostgreSQL (where the triggers are)."""
    return (
        connection.vendor == "postgresql" and scope.school_ids is None and scope.officer_id is None
    )


def _parts(scope: Scope, start: date, end: date, by_month: dict) -> list[tuple[Scope, dict]]:
    """compute()'s months over [start, end] as (that month's part of it, its figures)."""
    parts = []
    for first, last in periods(start, end):
        month_figures = by_month.get(first.replace(day=1).isoformat())
        if month_figures is not None:
            parts.append((replace(scope, start=first, end=last), month_figures))
    return parts


def _kept_months(scope: Scope, source: str, units: list, compute, basis: str, fields=()) -> list:
    """Each unit's figures (a month from its first day to its last, or to yesterday): kept ones
    while exact, the others computed in one go (from the first to the last of them) and kept."""
    if not units:
        return []
    read_ahead = scope.kept.get((units[0][0], units[-1][1]), {})
    versions, kept = read_ahead.pop(source, None) or _read(scope, [source], units, fields)[source]
    ends = dict(units)

    def unit_basis(month):  # a month kept up to yesterday is computed again the next day
        return f"{basis} {ends[month]:%d}"

    exact = {
        month: row.figures
        for month, row in kept.items()
        if row.version == versions[month] and row.basis == unit_basis(month)
    }
    stale = [(start, end) for start, end in units if start not in exact]
    if stale:
        fresh = compute(replace(scope, start=stale[0][0], end=stale[-1][1]))
        rows = []
        for month, _end in stale:
            exact[month] = fresh.get(month.isoformat(), {})
            rows.append(
                MonthlyFigures(
                    agency_id=scope.agency_id,
                    source=source,
                    month=month,
                    version=versions[month],
                    basis=unit_basis(month),
                    figures=exact[month],
                )
            )
        MonthlyFigures.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["agency", "source", "month"],
            update_fields=["version", "basis", "figures"],
        )
    return [(replace(scope, start=start, end=end), exact[start]) for start, end in units]


def _read(scope: Scope, sources, units: list, fields=()) -> dict[str, tuple[dict, dict]]:
    """{source: ({month: the sum of its days' versions}, {month: its kept MonthlyFigures, as
    a named row of source, month, version, basis and figures})}.
    The versions first: a change committed after this read makes what is computed from the
    rows afterwards look out of date at the next view (computed again), never a stale row look
    exact. The units follow each other (whole months, the last one up to yesterday): the days
    between the first unit's start and the last one's end are theirs, summed by month. With
    `fields`, the kept figures hold only those fields and "columns" (_kept_rows)."""
    return _read_many(scope, [(sources, units)], fields)[0]


def _read_many(scope: Scope, reads: list[tuple], fields=()) -> list[dict[str, tuple[dict, dict]]]:
    """_read() of each (sources, units) of `reads`, all in the same two queries. The versions
    are summed by source and month from the first day of the reads to the last one, and each
    read takes its own: a unit is a whole month, or its days up to yesterday, in every read,
    so a month's sum is the same for each (the days between the reads are summed for nothing;
    one range is a third of the work of one range per read).

    Plain SQL (PostgreSQL only, as the kept figures are): the ORM spent some 3,000 Python calls
    building these two small queries, a seventh of a CSV export's."""
    if not reads:
        return []
    every_source = sorted({source for sources, _units in reads for source in sources})
    first = min(units[0][0] for _sources, units in reads)
    last = max(units[-1][1] for _sources, units in reads)
    with connection.cursor() as cursor:
        cursor.execute(_VERSIONS_SQL, [scope.agency_id, every_source, first, last])
        versions = {(source, month): version for source, month, version in cursor.fetchall()}
        kept = _kept_rows(cursor, scope, reads, fields)
    return [
        {
            source: (
                {month: versions.get((source, month), 0) for month, _end in units},
                {month: kept[source, month] for month, _end in units if (source, month) in kept},
            )
            for source in sources
        }
        for sources, units in reads
    ]


# The sum of the versions of each source's days by month (as the ORM's TruncMonth and Sum of a
# BigIntegerField: a date and an int).
_VERSIONS_SQL = (
    "SELECT source, DATE_TRUNC('month', day)::date, SUM(version)::bigint "  # noqa: S608
    f"FROM {FigureVersion._meta.db_table} "  # (the table's name only)
    "WHERE agency_id = %s AND source = ANY(%s) AND day >= %s AND day <= %s GROUP BY 1, 2"
)


def _kept_rows(cursor, scope: Scope, reads: list[tuple], fields) -> dict[tuple, Kept]:
    """{(source, month): Kept} of `reads`' months. With `fields`, the figures hold only those
    fields and "columns" (the keys a month without them lacks are left out, as they are in the
    whole figures): PostgreSQL builds that smaller JSON, there is less to send and to parse."""
    figures, params = "figures", []
    if fields:
        names = ("columns", *fields)
        pairs = ", ".join("%s::text, figures -> %s::text" for _name in names)
        figures = f"JSONB_STRIP_NULLS(JSONB_BUILD_OBJECT({pairs}))"
        params = [part for name in names for part in (name, name)]
    params.append(scope.agency_id)
    for sources, units in reads:
        params += [list(sources), [start for start, _end in units]]
    wanted = " OR ".join("(source = ANY(%s) AND month = ANY(%s))" for _read in reads)
    cursor.execute(
        f"SELECT source, month, version, basis, {figures} "  # noqa: S608 (names from this code)
        f"FROM {MonthlyFigures._meta.db_table} WHERE agency_id = %s AND ({wanted})",
        params,
    )
    return {
        (source, month): Kept(source, month, version, basis, _json(figures))
        for source, month, version, basis, figures in cursor.fetchall()
    }


def _json(value):
    """A jsonb column as Python: Django has psycopg hand it over as text (JSONField parses it)."""
    return json.loads(value) if isinstance(value, str) else value


def _month_end(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


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
                    [_json_value(value), *[int(row[name] or 0) for name in columns]]
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


def sum_grouped(parts: list[tuple[Scope, dict]], fields: tuple[str, ...] = ()) -> dict[str, dict]:
    """The grouped_json() figures of several parts added up: {field: {value: {aggregate: n}}}.
    Each value's rows are gathered from the parts, then summed column by column and named once
    (a year of a large agency's activities is 5,000 groups: adding each month's numbers into
    the totals one by one took twice as long, naming each month's groups as long again).
    `fields`: only these fields are added up (default: all)."""
    gathered: dict[str, defaultdict] = {}
    columns = []
    for _scope, part in parts:
        columns = part.get("columns", columns)
        for field, groups in part.items():
            if field == "columns" or (fields and field not in fields):
                continue
            found = gathered.get(field)
            if found is None:
                found = gathered[field] = defaultdict(list)
            for row in groups:  # [value, n, ...]
                found[row[0]].append(row)
    return {
        field: {
            value: dict(zip(columns, _sums(rows), strict=True)) for value, rows in found.items()
        }
        for field, found in gathered.items()
    }


def _sums(rows: list[list]) -> list:
    """The numbers of one value's rows [value, n, ...], summed column by column."""
    if len(rows) == 1:
        return rows[0][1:]
    _values, *columns = zip(*rows, strict=True)  # (twice as fast as slicing each row first)
    return list(map(sum, columns))


def _json_value(value):
    if type(value) is int or type(value) is str:  # most values: ids and codes, as they are
        return value
    if isinstance(value, date):  # a datetime too (DATE_TRUNC of a date is a timestamp)
        return value.isoformat()
    if isinstance(value, Decimal | float):
        return int(value)  # EXTRACT(hour ...) comes back as a Decimal: hours, weekdays
    return value
