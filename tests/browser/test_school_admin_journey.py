"""The school admin's journey on a phone: from sign-in with MFA, request a presentation, schedule a
drill, and read the school's incidents without learning who was involved, the police narrative or
the police file number. Every page fits 375 px and passes axe-core."""

from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from incidents.models import InvolvementRole
from presentations.models import Presentation
from schools.models import Drill, DrillKind
from tests import factories
from tests.browser.a11y import assert_accessible
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.steps import PHONE, assert_fits_the_phone, path_of, sign_in
from tests.helpers import enrol_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUMMARY = "A fight in the east hallway at lunch; the SRO separated the students."
NARRATIVE = "The subject pushed the victim into the lockers after an argument online."
FILE_NUMBER = "EPS26-004512"
NAMES = ("Zebulon", "Quarrington", "Philippa", "Okwuosa")


def check(page: Page) -> None:
    assert_fits_the_phone(page)
    assert_accessible(page)


def _incident(world):
    incident = factories.IncidentFactory(
        school=world.school,
        recorded_by=world.sro,
        category="assault",
        school_summary=SUMMARY,
        narrative=NARRATIVE,
        file_number=FILE_NUMBER,
    )
    for role, first, last in (
        (InvolvementRole.SUBJECT, "Zebulon", "Quarrington"),
        (InvolvementRole.VICTIM, "Philippa", "Okwuosa"),
    ):
        student = factories.StudentFactory(school=world.school, first_name=first, last_name=last)
        factories.InvolvementFactory(incident=incident, student=student, role=role)
    return incident


def assert_redacted(page: Page) -> None:
    content = page.content()
    for secret in (*NAMES, NARRATIVE, FILE_NUMBER):
        assert secret not in content, f"{secret!r} is shown to a school admin on {page.url}"


def test_school_admin_on_a_phone_requests_schedules_and_reads_incidents(
    browser, live_server, page_problems, world_a
):
    topic = factories.TopicFactory(agency=world_a.agency, title="Online safety")
    incident = _incident(world_a)
    today = world_a.agency.today()
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    phone = context.new_page()
    page_problems.watch(phone)  # console errors and CSP violations fail the test
    sign_in(phone, live_server, world_a.school_admin, enrol_totp(world_a.school_admin))
    expect(phone.locator("main")).to_contain_text("My schools and their resource officers")
    check(phone)

    # A presentation, from the home page's "Coming presentations".
    phone.locator("main").get_by_role("link", name="Request one").click()
    expect(phone).to_have_url(path_of(reverse("presentations:request")))
    check(phone)
    phone.get_by_label("Topic").select_option(str(topic.pk))
    phone.get_by_label("Classes").fill("Grade 9 homerooms")
    phone.get_by_label("From grade").select_option("9")
    phone.get_by_label("To grade").select_option("9")
    phone.get_by_label("Expected students").fill("80")
    phone.get_by_label("Preferred from").fill((today + timedelta(days=7)).isoformat())
    phone.get_by_label("Preferred until").fill((today + timedelta(days=30)).isoformat())
    phone.get_by_role("button", name="Send the request").click()
    expect(phone.locator(".messages .alert-success")).to_contain_text("was sent")
    check(phone)
    talk = Presentation.objects.get()
    assert (talk.school, talk.status) == (world_a.school, Presentation.Status.REQUESTED)

    # A drill, from the home page's "Coming drills".
    phone.goto(live_server.url + reverse("dashboards:home"))
    phone.locator("main").get_by_role("link", name="Schedule one").click()
    expect(phone).to_have_url(path_of(reverse("schools:drill_create")))
    check(phone)
    phone.get_by_label("School").select_option(str(world_a.school.pk))
    phone.get_by_label("Drill").select_option(DrillKind.LOCKDOWN)
    phone.get_by_label("Date").fill((today + timedelta(days=3)).isoformat())
    phone.get_by_label("Time").fill("10:30")
    phone.get_by_role("button", name="Save").click()
    expect(phone.locator(".messages .alert-success")).to_have_text("Drill scheduled.")
    check(phone)
    drill = Drill.objects.get()
    assert (drill.school, drill.kind, drill.status) == (
        world_a.school,
        DrillKind.LOCKDOWN,
        Drill.Status.SCHEDULED,
    )
    # It is on the home page now, at its local time.
    phone.goto(live_server.url + reverse("dashboards:home"))
    expect(phone.locator("main")).to_contain_text("Lockdown")
    expect(phone.locator("main")).to_contain_text("10:30")

    # The incidents, from the navigation behind the menu button.
    phone.get_by_role("button", name="Show navigation").click()
    phone.locator("#main-nav").get_by_role("link", name="Incidents", exact=True).click()
    expect(phone).to_have_url(path_of(reverse("incidents:list")))
    expect(phone.locator("main")).to_contain_text("Assault or fight")
    check(phone)
    assert_redacted(phone)
    detail = reverse("incidents:detail", args=[incident.pk])
    phone.locator(f"main a[href='{detail}']").first.click()
    expect(phone).to_have_url(path_of(detail))
    expect(phone.locator("main")).to_contain_text(SUMMARY)
    check(phone)
    assert_redacted(phone)
    context.close()
    assert not page_problems.report(), page_problems.report()
