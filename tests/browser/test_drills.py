"""A drill's journey in the browser: a school admin schedules it, the SRO records it on a phone,
and the school's compliance counts it."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from schools.models import Drill, DrillKind, DrillRule
from tests.browser.a11y import assert_accessible
from tests.browser.steps import PHONE, assert_fits_the_phone, path_of, sign_in
from tests.helpers import enrol_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_school_admin_schedules_sro_records_compliance_counts(
    browser, live_server, page_problems, world_a
):
    DrillRule.objects.create(
        agency=world_a.agency,
        board=world_a.school.board,
        kind=DrillKind.EVACUATION,
        period=DrillRule.Period.TERM,
        required=3,
    )
    today = timezone.localdate(timezone=world_a.agency.tzinfo)

    # The principal schedules this morning's fire drill, led by the school's SRO.
    principal = browser.new_page()
    page_problems.watch(principal)  # console errors and CSP violations fail the test
    sign_in(principal, live_server, world_a.school_admin, enrol_totp(world_a.school_admin))
    principal.goto(live_server.url + reverse("schools:school_detail", args=[world_a.school.pk]))
    expect(principal.locator("main")).to_contain_text("0 / 3")
    assert_accessible(principal)
    principal.get_by_role("link", name="Schedule a drill").click()
    expect(principal).to_have_url(path_of(reverse("schools:drill_create")))
    assert_accessible(principal)
    principal.get_by_label("Drill").select_option(DrillKind.EVACUATION)
    principal.get_by_label("Date").fill(today.isoformat())
    principal.get_by_label("Time").fill("00:05")
    principal.get_by_label("Led by").select_option(str(world_a.sro.pk))
    principal.get_by_role("button", name="Save").click()
    expect(principal.locator("main")).to_contain_text("Drill scheduled")
    assert_accessible(principal)
    drill = Drill.objects.get()
    assert (drill.school, drill.leader) == (world_a.school, world_a.sro)
    principal.close()

    # The SRO records it from a phone.
    phone_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone = phone_context.new_page()
    page_problems.watch(phone)
    sign_in(phone, live_server, world_a.sro, enrol_totp(world_a.sro))
    phone.goto(live_server.url + reverse("schools:drill_detail", args=[drill.pk]))
    assert_fits_the_phone(phone)
    assert_accessible(phone)
    phone.get_by_role("link", name="Record how it went").click()
    expect(phone).to_have_url(path_of(reverse("schools:drill_record", args=[drill.pk])))
    assert_fits_the_phone(phone)
    assert_accessible(phone)
    phone.get_by_label("Time to complete (seconds)").fill("118")
    phone.get_by_label("Participants").fill("720")
    phone.get_by_label("Observations").fill("Door 3 did not latch.")
    phone.get_by_role("button", name="Save the record").click()
    expect(phone.locator("main")).to_contain_text("Drill recorded")
    assert_accessible(phone)

    # The school's compliance now counts it.
    phone.goto(live_server.url + reverse("schools:school_detail", args=[world_a.school.pk]))
    expect(phone.locator("main")).to_contain_text("1 / 3")
    drill.refresh_from_db()
    assert (drill.status, drill.seconds_to_complete) == (Drill.Status.COMPLETED, 118)
    phone_context.close()
    assert not page_problems.report(), page_problems.report()
