"""Plans under row-level security: as the application role, PostgreSQL evaluates no condition
it deems leaky before a table's policy, and such a condition can use no index. The drills'
moment ("started, else planned") was COALESCE, one of those: the compliance matrix and the
dashboard read every drill of every agency in production, though the suite (a superuser, who
skips the policies) saw the index used. Written as CASE (schools.models.drill_moment), it is an
index condition again; these tests plan the pages' own drill queries as the application role.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from schools.models import Drill
from sro_portal import rls
from tests import factories
from tests.helpers import signed_in

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

MOMENT_SQL = '"started_at" IS NOT NULL'  # drill_moment() as Django writes it
MOMENT_PLAN = "started_at IS NOT NULL"  # and as EXPLAIN prints it


def _drill_queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    queries = [
        q["sql"] for q in captured if '"schools_drill"' in q["sql"] and MOMENT_SQL in q["sql"]
    ]
    assert queries, "the page read no drills by their moment"
    return queries


def _plan_as_app_role(app_role, agency_id: int, sql: str) -> str:
    """EXPLAIN as the application role with the agency set. Sequential scans are priced out
    (the test's tables are small): what is left shows which conditions an index may take."""
    with app_role(), rls.agency(agency_id), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    return plan


def _years_of_drills(school) -> None:
    """Twenty years of drills done at one school, the last ones this year: enough rows that
    the moment's range is worth an index (the agency's alone reads them all); table analysed."""
    now = timezone.now()
    Drill.objects.bulk_create(
        factories.DrillFactory.build(
            school=school,
            status=Drill.Status.COMPLETED,
            planned_at=now - timedelta(days=3 * n),
            started_at=now - timedelta(days=3 * n),
        )
        for n in range(2_500)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE schools_drill")


@pytest.mark.parametrize("url_name", ["schools:compliance", "dashboards:program"])
def test_the_drills_moment_is_an_index_condition_under_the_app_role(
    client, world_a, app_role, url_name
):
    _years_of_drills(world_a.school)
    signed_in(client, world_a.supervisor)
    for sql in _drill_queries(client, reverse(url_name)):
        plan = _plan_as_app_role(app_role, world_a.agency.pk, sql)
        conditions = [line for line in plan.splitlines() if "Index Cond" in line]
        assert any(MOMENT_PLAN in line for line in conditions), plan
