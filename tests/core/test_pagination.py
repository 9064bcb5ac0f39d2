"""Keyset pagination (sro_portal/core/pagination.py) over real rows: every row once, in order,
forwards and backwards; bad cursors show the first page, never an error."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.template import Context, Template
from django.test import RequestFactory

from officers.models import Activity, ActivityCategory
from sro_portal.core import pagination
from sro_portal.core.pagination import keyset_page
from tests import factories

pytestmark = pytest.mark.django_db

KEYS = ("-date", "-id")


@pytest.fixture
def activities(world_a):
    """23 entries over 5 days, several on one date, so the id breaks ties."""
    today = world_a.agency.today()
    return Activity.objects.bulk_create(
        Activity(
            agency=world_a.agency,
            officer=world_a.sro,
            school=world_a.school,
            date=today - timedelta(days=n % 5),
            category=ActivityCategory.MENTORING,
            minutes=10,
        )
        for n in range(23)
    )


def _page(params=None, per_page=5):
    queryset = Activity.objects.all()
    return keyset_page(queryset, params or {}, keys=KEYS, per_page=per_page)


def _expected():
    return list(Activity.objects.order_by(*KEYS).values_list("pk", flat=True))


def test_walking_older_then_newer_visits_every_row_once_in_order(activities):
    page = _page()
    assert page.is_first and page.count == 23 and not page.count_capped
    pages = [page]
    while page.older:
        page = _page({"after": page.older})
        pages.append(page)
    seen = [row.pk for p in pages for row in p]
    assert seen == _expected()
    assert len(pages) == 5 and len(pages[-1]) == 3

    back = [[row.pk for row in page]]
    while page.newer:
        page = _page({"before": page.newer})
        back.append([row.pk for row in page])
    assert back[::-1] == [[row.pk for row in p] for p in pages]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "2026-13-45_1",
        "2026-11-27",
        "2026-11-27_1_2",
        "2026-11-27_x",
        "2026-11-27_99999999999999999999999",
        "99999-01-01_1",
        "\x00_1",
        "",
    ],
)
def test_a_cursor_that_does_not_parse_shows_the_first_page(activities, cursor):
    page = _page({"after": cursor})
    assert [row.pk for row in page] == _expected()[:5]
    assert page.is_first


def test_the_count_stops_at_the_cap(activities, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 20)
    page = _page()
    assert page.count == 20 and page.count_capped


def test_the_links_keep_the_filters_and_replace_the_cursor():
    request = RequestFactory().get("/log/all/", {"school": "4", "after": "old", "before": "x"})
    html = Template("{% load keyset %}{% keyset_query after='2026-11-27_5' %}").render(
        Context({"request": request})
    )
    assert html == "school=4&amp;after=2026-11-27_5"


def test_a_timestamp_cursor_round_trips(world_a):
    incident = factories.IncidentFactory(school=world_a.school)
    factories.IncidentFactory(
        school=world_a.school, occurred_at=incident.occurred_at - timedelta(hours=1)
    )
    queryset = type(incident).objects.all()
    first = keyset_page(queryset, {}, keys=("-occurred_at", "-id"), per_page=1)
    second = keyset_page(queryset, {"after": first.older}, keys=("-occurred_at", "-id"), per_page=1)
    assert [row.pk for row in first] == [incident.pk]
    assert len(second) == 1 and second.object_list[0].pk != incident.pk and second.older is None


def test_nulls_first_keys_walk_every_row_once_in_both_directions(world_a):
    """Talks without a date come first (the list's order), then by date, latest first."""
    from presentations.models import Presentation

    talks = [factories.PresentationFactory(school=world_a.school) for _ in range(7)]
    for n, talk in enumerate(talks[:4]):
        talk.scheduled_at = talk.created_at + timedelta(days=n % 2)  # ties broken by the id
        talk.save(update_fields=["scheduled_at"])
    keys = ("-scheduled_at", "-created_at", "-id")
    queryset = Presentation.objects.all()
    expected = [
        t.pk
        for t in Presentation.objects.order_by(
            F("scheduled_at").desc(nulls_first=True), "-created_at", "-id"
        )
    ]

    def page(params):
        return keyset_page(queryset, params, keys=keys, per_page=2, nulls_first=True)

    pages = [page({})]
    while pages[-1].older:
        pages.append(page({"after": pages[-1].older}))
    assert [row.pk for p in pages for row in p] == expected
    back = [pages[-1]]
    while back[-1].newer:
        back.append(page({"before": back[-1].newer}))
    assert [[row.pk for row in p] for p in back[::-1]] == [[row.pk for row in p] for p in pages]


def test_the_count_reads_the_ids_only(activities):
    """The rows' other columns (and a list's annotations) stay out of the count's query."""
    from django.db import connection
    from django.db.models import Value
    from django.test.utils import CaptureQueriesContext

    queryset = Activity.objects.annotate(label=Value("never counted"))
    with CaptureQueriesContext(connection) as queries:
        page = keyset_page(queryset, {}, keys=KEYS, per_page=5)
    count_sql = queries.captured_queries[0]["sql"]
    assert page.count == 23
    assert "COUNT(*)" in count_sql and "never counted" not in count_sql
    assert '"minutes"' not in count_sql


def test_a_distinct_list_counts_its_rows(activities, world_a):
    """A list made DISTINCT by a join counts each row once."""
    factories.AssignmentFactory(officer=world_a.sro, school=world_a.school)
    factories.AssignmentFactory(officer=world_a.sro, school=world_a.school)
    queryset = Activity.objects.filter(officer__assignments__school=world_a.school).distinct()
    assert keyset_page(queryset, {}, keys=KEYS, per_page=5).count == 23
