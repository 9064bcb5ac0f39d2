"""metrics.grouped: several GROUP BYs of one queryset in one pass (GROUPING SETS on PostgreSQL,
one GROUP BY per field elsewhere) give what the ORM's values().annotate() gives, field by field."""

from datetime import date, datetime

import pytest
from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from officers.models import Activity
from officers.models import ActivityCategory as C
from sro_portal.dashboards.metrics import grouped
from tests import factories

pytestmark = pytest.mark.django_db

FIELDS = ["category", "school_id", "officer_id", "month"]
AGGREGATES = {
    "minutes": 'SUM("minutes")',
    "count": "COUNT(*)",
    "long": 'COUNT(*) FILTER (WHERE "minutes" >= 60)',
}


@pytest.fixture
def activities(world_a, world_b):
    other = world_a.other_school
    for day, school, category, minutes in [
        (date(2025, 9, 2), world_a.school, C.MENTORING, 90),
        (date(2025, 9, 3), world_a.school, C.MENTORING, 30),
        (date(2025, 10, 1), other, C.INVESTIGATION, 60),
        (date(2025, 11, 5), other, C.MENTORING, 15),
    ]:
        factories.ActivityFactory(
            officer=world_a.sro, school=school, date=day, category=category, minutes=minutes
        )
    factories.ActivityFactory(officer=world_b.sro, school=world_b.school, date=date(2025, 9, 2))
    return Activity.objects.filter(agency=world_a.agency).annotate(month=TruncMonth("date"))


def _by_orm(queryset, field) -> dict:
    rows = queryset.values(field).annotate(
        total=Sum("minutes"), n=Count("pk"), over_an_hour=Count("pk", filter=Q(minutes__gte=60))
    )
    return {
        row[field]: {"minutes": row["total"], "count": row["n"], "long": row["over_an_hour"]}
        for row in rows.order_by()
    }


def _month_start(value) -> date:
    """A month as the database returns it: a timestamp from PostgreSQL, text from SQLite."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value.date() if isinstance(value, datetime) else value


def _normalised(field, counts: dict) -> dict:
    if field == "month":
        return {_month_start(value): row for value, row in counts.items()}
    return counts


@pytest.mark.parametrize("vendor", ["postgresql", "other"])
def test_each_field_is_grouped_as_the_orm_groups_it(activities, vendor, monkeypatch):
    if vendor == "other":  # the plain GROUP BY per field that SQLite runs (also valid here)
        monkeypatch.setattr(connection, "vendor", "sqlite")
    result = grouped(activities, FIELDS, AGGREGATES)
    for field in FIELDS:
        assert _normalised(field, result[field]) == _by_orm(activities, field), field
    assert result["category"][C.MENTORING] == {"minutes": 135, "count": 3, "long": 1}


# PostgreSQL's one query, and the other databases' path on the same connection.
@pytest.mark.postgres
def test_one_query_on_postgresql_one_per_field_elsewhere(
    activities, monkeypatch, django_assert_num_queries
):
    with django_assert_num_queries(1):
        grouped(activities, FIELDS, AGGREGATES)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with django_assert_num_queries(len(FIELDS)):
        grouped(activities, FIELDS, AGGREGATES)


def test_nothing_to_group_gives_empty_groups(world_a):
    none = Activity.objects.filter(agency=world_a.agency, date__year=1999)
    assert grouped(none, ["category", "school_id"], AGGREGATES) == {
        "category": {},
        "school_id": {},
    }


def test_per_splits_every_group_by_that_column(activities):
    by_month = grouped(activities, ["category", "school_id"], AGGREGATES, per="month")
    september = by_month[next(month for month in by_month if _month_start(month).month == 9)]
    assert september["category"] == {C.MENTORING: {"minutes": 120, "count": 2, "long": 1}}
    assert len(by_month) == 3  # September, October, November
    assert sum(row["count"] for m in by_month.values() for row in m["school_id"].values()) == 4
