"""The dashboard's figures, one module per section. Each module's `build(scope)` returns a
tables.Section; sections.py lists them in page order with the audiences that may see them.

Rules for every metric:
- filter by `scope.agency_id` first, then `scope.school_ids` (None = every school) and, for the
  officer view, `scope.officer_id`; days are `scope.start`..`scope.end` inclusive, on the
  agency's calendar (datetimes: convert with the agency's zone, see `local_range`);
- aggregate in the database (values().annotate(), Count/Sum with filter=): a bounded number of
  queries whatever the number of rows, never a loop of queries per school or per officer;
- group by ids only and look the names up afterwards (school_names, officer_names): grouping
  by a joined name as well made PostgreSQL sort every row (on disk, at 70,000 activities)
  instead of hashing a few hundred groups;
- no student identity in any table (only counts); no person at all in a table of the school
  audience other than officers' names;
- the agency and the schools through agency_of and schools_of (school_names): the dashboard
  reads them once for all its sections (shared_reads), not once per section;
- fixed texts through this module's gettext (imported as `_`, so makemessages finds them): the
  same words as Django's gettext, remembered per language while shared_reads is open.
"""

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connections
from django.utils import formats, translation

from sro_portal.dashboards.scope import Scope


def local_range(scope: Scope) -> tuple[datetime, datetime]:
    """[start of scope.start, start of the day after scope.end) as aware datetimes, on the
    agency's clock: the bounds for a DateTimeField (`__gte`, `__lt`)."""
    tz = ZoneInfo(scope.tz_name)
    first = datetime.combine(scope.start, time.min, tzinfo=tz)
    after = datetime.combine(scope.end + timedelta(days=1), time.min, tzinfo=tz)
    return first, after


def by_school(queryset, scope: Scope, field: str = "school_id"):
    """`queryset` limited to the scope's schools (no filter when it covers the agency)."""
    if scope.school_ids is None:
        return queryset
    return queryset.filter(**{f"{field}__in": scope.school_ids})


@contextmanager
def shared_reads(scope: Scope):
    """While open, the rows several sections read (the agency, the schools: agency_of,
    schools_of) are read once for `scope` and the copies dataclasses.replace() makes of it,
    instead of once per section; closed, they are forgotten (a scope used again after a change
    reads them afresh). sections.build_sections and build_section open it around their builds.
    The fixed texts (gettext) are looked up in the language active when it opens."""
    scope.memo[_OPEN] = True
    texts = _texts.set(_TRANSLATED.setdefault(translation.get_language(), {}))
    try:
        yield
    finally:
        _texts.reset(texts)
        scope.memo.clear()


# {language: {text: its translation}}: the sections' fixed texts (titles, columns, sentences).
_TRANSLATED: dict[str | None, dict[str, str]] = {}
# The active language's, while shared_reads is open.
_texts: ContextVar[dict[str, str] | None] = ContextVar("dashboard_texts", default=None)


def gettext(message: str) -> str:
    """Django's gettext(message), remembered for the language of the sections being built
    (while shared_reads is open): a dashboard translates some two hundred fixed texts, about
    thirty calls each through Django's catalogs (and the active language's thread-local
    lookup), the same words in the same language at every view."""
    texts = _texts.get()
    if texts is None:
        return translation.gettext(message)
    text = texts.get(message)
    if text is None:
        text = texts[message] = translation.gettext(message)
    return text


def counted(value) -> str:
    """A count inside a figure's sentence, grouped as the figures themselves are written
    (1,204 in English, 1 204 in French)."""
    return formats.number_format(value, force_grouping=True)


_OPEN = "open"


def _shared(scope: Scope, key: tuple, read: Callable):
    """read(), once per key while shared_reads(scope) is open; every time otherwise."""
    if _OPEN not in scope.memo:
        return read()
    if key not in scope.memo:
        scope.memo[key] = read()
    return scope.memo[key]


def schools_of(scope: Scope) -> list[tuple[int, str, bool]]:
    """(id, name, active) of the scope's schools, by name, in one query (shared_reads)."""
    from schools.models import School

    def read():
        schools = by_school(School.objects.filter(agency_id=scope.agency_id), scope, "pk")
        return list(schools.order_by("name", "pk").values_list("pk", "name", "is_active"))

    return _shared(scope, ("schools", scope.agency_id, scope.school_ids), read)


def school_names(scope: Scope) -> dict[int, str]:
    """{school id: name} for the scope's schools (schools_of)."""
    return {pk: name for pk, name, _active in schools_of(scope)}


def agency_of(scope: Scope):
    """The scope's agency (its calendar: today, the school years and their terms): the one the
    scope was built with (scope_for: the user's), else read in one query (shared_reads)."""
    from sro_portal.accounts.models import Agency

    if scope.agency is not None and scope.agency.pk == scope.agency_id:
        return scope.agency
    return _shared(
        scope, ("agency", scope.agency_id), lambda: Agency.objects.get(pk=scope.agency_id)
    )


def officer_names(scope: Scope) -> dict[int, str]:
    """{user id: name, or email when the name is blank} for the agency's users, in one query."""
    from sro_portal.accounts.models import User

    users = User.objects.filter(agency_id=scope.agency_id).order_by()  # a dict: no ORDER BY
    return {pk: name or email for pk, name, email in users.values_list("pk", "full_name", "email")}


def grouped(queryset, fields: list[str], aggregates: dict[str, str], *, per: str = "") -> dict:
    """Several GROUP BYs of one queryset in one pass: {field: {value: {aggregate: number}}}.

    `queryset` is filtered and annotated (a month, an hour...); each of `fields` is grouped on
    its own, as `queryset.values(field).annotate(...)` would. `aggregates` are SQL over the
    queryset's columns, written by the metric modules (never user input), e.g.
    {"minutes": 'SUM("minutes")', "count": "COUNT(*)"}. With `per` (a column, e.g. "month"),
    every group is also split by it: {per value: {field: {value: {aggregate: number}}}}.

    Why: a year of a large agency is 230,000 activities; four GROUP BYs read them four times
    (about 100 ms each), GROUPING SETS reads them once. PostgreSQL only: elsewhere (the SQLite
    demo) it runs one GROUP BY per field over the same subquery.
    """
    keys = [per] if per else []
    inner = queryset.order_by().values(*_columns(queryset, keys + fields, aggregates))
    inner_sql, params = inner.query.sql_with_params()
    names = ", ".join(_quote(name) for name in keys + fields)
    sums = ", ".join(f"{sql} AS {_quote(name)}" for name, sql in aggregates.items())
    connection = connections[queryset.db]
    # The SQL below is built from the ORM's compiled subquery (its values passed as params), the
    # fields' quoted names and the metric modules' own aggregates: nothing a user typed.
    if connection.vendor == "postgresql":
        sets = ", ".join(f"({_quote_all([*keys, field])})" for field in fields)
        statements = [
            f"SELECT {names}, GROUPING({_quote_all(fields)}) AS _set, {sums} "  # noqa: S608
            f"FROM ({inner_sql}) AS rows GROUP BY GROUPING SETS ({sets})"
        ]
    else:
        statements = [
            f"SELECT {_only(keys, fields, field)}, {_set_bits(fields, field)} AS _set, "  # noqa: S608
            f"{sums} FROM ({inner_sql}) AS rows GROUP BY {_quote_all([*keys, field])}"
            for field in fields
        ]
    result = {}
    bits = {_set_bits(fields, field): field for field in fields}
    width = len(keys) + len(fields)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, params)
            for row in cursor.fetchall():
                field = bits[row[width]]
                groups = result.setdefault(row[0], {}) if per else result
                value = row[len(keys) + fields.index(field)]
                groups.setdefault(field, {})[value] = dict(
                    zip(aggregates, row[width + 1 :], strict=True)
                )
    if not per:
        for field in fields:
            result.setdefault(field, {})
    return result


def _columns(queryset, fields, aggregates) -> list[str]:
    """The columns the subquery selects: the grouped fields, then every other column the
    aggregates name (written "name" in their SQL)."""
    names = list(fields)
    for sql in aggregates.values():
        for part in sql.split('"')[1::2]:
            if part not in names:
                names.append(part)
    return names


def _set_bits(fields: list[str], field: str) -> int:
    """GROUPING(f1, ..., fn) of the set grouped by `field` alone: 1 for every other field."""
    return sum(1 << (len(fields) - 1 - index) for index, name in enumerate(fields) if name != field)


def _only(keys: list[str], fields: list[str], field: str) -> str:
    """The grouped columns with NULL for the fields other than `field` (as GROUPING SETS
    leaves them)."""
    return _quote_all(keys) + "".join(
        (", " if keys or index else "") + (_quote(name) if name == field else "NULL")
        for index, name in enumerate(fields)
    )


def _quote_all(names: list[str]) -> str:
    return ", ".join(_quote(name) for name in names)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
