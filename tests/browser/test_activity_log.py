"""The activity log on a phone: an SRO logs three activities between classes with "Save and log
another", and their week shows the day's total; the school list follows the date chosen."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from officers.models import Activity, ActivityCategory
from tests import factories
from tests.browser.a11y import assert_accessible
from tests.browser.steps import PHONE, assert_fits_the_phone, path_of, sign_in
from tests.helpers import enrol_totp

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

ACTIVITY = re.compile(r"^Activity")  # the label, not "Log an activity"
SCHOOL = re.compile(r"^School")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_button_on_screen(page, name: str) -> None:
    """The form fits one phone screen: its button is visible without scrolling."""
    box = page.get_by_role("button", name=name, exact=True).bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE["height"], f"{name!r} ends at {box}"


def _phone(browser, page_problems):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(5_000)
    phone = context.new_page()
    page_problems.watch(phone)  # console errors and CSP violations fail the test
    return context, phone


def test_sro_logs_three_activities_on_a_phone(browser, live_server, page_problems, world_a):
    context, phone = _phone(browser, page_problems)
    sign_in(phone, live_server, world_a.sro, enrol_totp(world_a.sro))

    phone.goto(live_server.url + reverse("officers:activity_week"))
    assert_fits_the_phone(phone)
    assert_accessible(phone)
    phone.get_by_role("link", name="Log an activity").click()
    expect(phone).to_have_url(path_of(reverse("officers:activity_create")))
    assert_fits_the_phone(phone)
    assert_button_on_screen(phone, "Save and log another")
    assert_accessible(phone)
    # Their only school is chosen already; the category is the first thing to pick.
    expect(phone.get_by_label("School")).to_have_value(str(world_a.school.pk))
    phone.get_by_role("combobox", name=ACTIVITY).select_option(ActivityCategory.COUNSELLING)
    phone.get_by_label("Minutes").fill("30")
    phone.get_by_label("Students reached").fill("1")
    phone.get_by_role("button", name="Save and log another").click()

    # A fresh form, with the same school and category, and the confirmation above it.
    expect(phone.locator("main")).to_contain_text("Logged: Counselling, 30 min")
    expect(phone.get_by_role("combobox", name=ACTIVITY)).to_have_value(ActivityCategory.COUNSELLING)
    expect(phone.get_by_label("Minutes")).to_have_value("")
    assert_fits_the_phone(phone)
    assert_button_on_screen(phone, "Save and log another")  # with the message shown too
    assert_accessible(phone)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=SCREENSHOTS / "activity_form_on_a_phone.png")
    phone.get_by_label("Minutes").fill("45")
    phone.get_by_role("button", name="Save and log another").click()

    expect(phone.locator("main")).to_contain_text("Logged: Counselling, 45 min")
    phone.get_by_role("combobox", name=ACTIVITY).select_option(ActivityCategory.CRIME_PREVENTION)
    phone.get_by_label("Minutes").fill("20")
    phone.get_by_label("Students reached").fill("40")
    phone.get_by_role("button", name="Save", exact=True).click()

    # The week: today's three entries add up.
    expect(phone).to_have_url(path_of(reverse("officers:activity_week")))
    today = world_a.agency.today()
    day = phone.get_by_test_id(f"day-{today.isoformat()}")
    expect(day.locator(".card-header")).to_contain_text("1 h 35 min")
    expect(day.locator("li")).to_have_count(3)
    expect(phone.locator("#week-students")).to_have_text("41")
    assert_fits_the_phone(phone)
    assert_accessible(phone)
    phone.screenshot(path=SCREENSHOTS / "activity_week_on_a_phone.png", full_page=True)

    entries = Activity.objects.filter(officer=world_a.sro, date=today).order_by("pk")
    assert [(e.minutes, e.category, e.school) for e in entries] == [
        (30, ActivityCategory.COUNSELLING, world_a.school),
        (45, ActivityCategory.COUNSELLING, world_a.school),
        (20, ActivityCategory.CRIME_PREVENTION, world_a.school),
    ]

    # The list of all their entries also stays within the phone's width.
    phone.goto(live_server.url + reverse("officers:activity_list"))
    expect(phone.locator("main")).to_contain_text("1 h 35 min in all")
    assert_accessible(phone)
    phone.screenshot(path=SCREENSHOTS / "activity_list_on_a_phone.png", full_page=True)
    assert_fits_the_phone(phone)
    context.close()
    assert not page_problems.report(), page_problems.report()


def test_another_date_offers_the_schools_of_that_day(browser, live_server, page_problems, world_a):
    # Until yesterday the officer also covered the other school: yesterday's work there can
    # still be logged, and the school list follows the date (htmx).
    yesterday = world_a.agency.today() - timedelta(days=1)
    factories.AssignmentFactory(school=world_a.other_school, officer=world_a.sro, ends_on=yesterday)
    context, phone = _phone(browser, page_problems)
    sign_in(phone, live_server, world_a.sro, enrol_totp(world_a.sro))
    phone.goto(live_server.url + reverse("officers:activity_create"))
    school = phone.get_by_role("combobox", name=SCHOOL)
    expect(school.locator("option")).to_have_text([world_a.school.name])

    phone.locator("input[name='date']").fill(yesterday.isoformat())
    expect(school.locator("option")).to_have_text(
        ["Choose a school", world_a.other_school.name, world_a.school.name]
    )
    expect(school).to_have_value(str(world_a.school.pk))  # the choice made so far stays
    assert_accessible(phone)  # after htmx swapped the school list in
    school.select_option(str(world_a.other_school.pk))
    phone.get_by_role("combobox", name=ACTIVITY).select_option(ActivityCategory.MEDIATION)
    phone.get_by_label("Minutes").fill("25")
    phone.get_by_role("button", name="Save", exact=True).click()

    expect(phone.locator("main")).to_contain_text("Logged: Mediation, 25 min at Alpha Composite.")
    day = phone.get_by_test_id(f"day-{yesterday.isoformat()}")
    expect(day.locator(".card-header")).to_contain_text("25 min")
    entry = Activity.objects.get()
    assert (entry.date, entry.school) == (yesterday, world_a.other_school)
    assert_fits_the_phone(phone)
    context.close()
    assert not page_problems.report(), page_problems.report()
