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
  audience other than officers' names.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

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


def school_names(scope: Scope) -> dict[int, str]:
    """{school id: name} for the scope's schools, in one query (also when there is no row)."""
    from schools.models import School

    schools = by_school(School.objects.filter(agency_id=scope.agency_id), scope, "pk")
    return dict(schools.values_list("pk", "name"))


def officer_names(scope: Scope) -> dict[int, str]:
    """{user id: name, or email when the name is blank} for the agency's users, in one query."""
    from sro_portal.accounts.models import User

    users = User.objects.filter(agency_id=scope.agency_id)
    return {pk: name or email for pk, name, email in users.values_list("pk", "full_name", "email")}
