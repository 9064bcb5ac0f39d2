"""The dashboard in the browser: a supervisor filters by school and school year (htmx swaps the
figures in place, the address follows) and downloads a table as CSV with those filters."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from sro_portal.dashboards.scope import school_years
from tests import factories
from tests.browser.a11y import assert_accessible
from tests.browser.steps import assert_styled, path_of, sign_in
from tests.helpers import enrol_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _incidents(world, school, day, count):
    at = datetime.combine(day, time(11, 30), tzinfo=world.agency.tzinfo)
    for _ in range(count):
        factories.IncidentFactory(school=school, recorded_by=world.sro, occurred_at=at)


def test_supervisor_filters_by_school_and_year_and_downloads_the_csv(
    page, live_server, world_a, world_b
):
    this_year, last_year = school_years(world_a.agency)[:2]
    # Last school year: 3 incidents at Alpha High, 2 at Alpha Composite; this year: 1 at Alpha High.
    _incidents(world_a, world_a.school, last_year.start + timedelta(days=40), 3)
    _incidents(world_a, world_a.other_school, last_year.start + timedelta(days=40), 2)
    _incidents(world_a, world_a.school, this_year.start, 1)
    _incidents(world_b, world_b.school, last_year.start + timedelta(days=40), 7)

    sign_in(page, live_server, world_a.supervisor, enrol_totp(world_a.supervisor))
    page.goto(live_server.url + reverse("dashboards:program"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Program dashboard")
    assert_styled(page)
    assert_accessible(page)
    by_school = page.locator("#table-incidents-by_school")
    expect(by_school.locator("svg[role='img']")).to_have_count(1)
    # htmx swaps the body in place: a value set on this window survives the filtering.
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_label("School", exact=True).select_option(label=world_a.school.name)
    expect(page).to_have_url(re.compile(rf"[?&]school={world_a.school.pk}(&|$)"))
    expect(page.locator("#section-coverage tbody")).to_contain_text(world_a.school.name)
    expect(page.locator("#section-coverage tbody")).not_to_contain_text(world_a.other_school.name)
    assert_accessible(page)  # the body htmx swapped in

    page.get_by_label("School year", exact=True).select_option(label=last_year.label)
    expect(page).to_have_url(re.compile(rf"[?&]period={last_year.start.year}(&|$)"))
    expect(page).to_have_url(re.compile(rf"[?&]school={world_a.school.pk}(&|$)"))
    expect(page.locator(".dash-period")).to_contain_text(str(last_year.start.year))
    expect(page.get_by_label("School", exact=True)).to_have_value(str(world_a.school.pk))
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page).to_have_url(path_of(reverse("dashboards:program")))

    # The numbers behind the chart are one click away.
    by_school.locator("summary").click()
    expect(by_school.locator("table tbody tr")).to_have_count(1)
    expect(by_school.locator("table tbody")).to_contain_text("3")
    assert_accessible(page)

    with page.expect_download() as download_info:
        by_school.get_by_role("link", name=re.compile("CSV")).click()
    download = download_info.value
    assert download.suggested_filename == (
        f"incidents-by_school-{last_year.start.isoformat()}-{last_year.end.isoformat()}.csv"
    )
    with open(download.path(), encoding="utf-8-sig") as exported:
        lines = exported.read().splitlines()
    assert lines[1:] == [f"{world_a.school.name},3"]
    assert assert_no_other_school(lines, world_a, world_b)


def assert_no_other_school(lines, world_a, world_b) -> bool:
    text = "\n".join(lines)
    return world_a.other_school.name not in text and "Bravo" not in text
