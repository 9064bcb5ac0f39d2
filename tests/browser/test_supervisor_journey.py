"""The supervisor's journey in the browser: from sign-in with MFA, the home page and a notification
marked as read in place, the dashboard filtered by school (htmx), a PAYOFF agreement closed as not
completed with their approval, and a table of the dashboard exported as CSV. axe-core checks every
page reached, and each part of a page swapped by htmx."""

import time
from datetime import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from payoff.models import Agreement, NextStep
from sro_portal.dashboards.scope import school_years
from sro_portal.reminders.models import Reminder
from tests import factories
from tests.browser.a11y import assert_accessible
from tests.browser.steps import open_menu, path_of, sign_in
from tests.factories import PASSWORD
from tests.helpers import enrol_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "Stopped coming to the sessions after the first week."


def download_after_reauthenticating(page: Page, link):
    """Clicks a download link: the portal asks for the password again first (the export comes
    more than 10 minutes after signing in), the supervisor gives it, and the download follows."""
    with page.expect_download() as info:
        link.click()
        expect(page).to_have_url(path_of(reverse("account_reauthenticate")))
        assert_accessible(page)
        password = page.locator("input[name='password']")
        password.fill(PASSWORD)
        page.locator("form").filter(has=password).locator("button[type='submit']").click()
    return info.value


def test_supervisor_reviews_approves_a_closure_and_exports(page, live_server, world_a):
    supervisor, school = world_a.supervisor, world_a.school
    start = school_years(world_a.agency)[0].start  # in the school year the dashboard shows
    occurred = datetime(start.year, start.month, start.day, 10, tzinfo=world_a.agency.tzinfo)
    for category in ("bullying", "bullying", "drugs"):
        factories.IncidentFactory(
            school=school,
            recorded_by=world_a.sro,
            category=category,
            occurred_at=occurred,
        )
    factories.IncidentFactory(
        school=world_a.other_school,
        recorded_by=world_a.sro,
        category="weapons",
        occurred_at=occurred,
    )
    agreement = factories.AgreementFactory(
        school=school, officer=world_a.sro, status=Agreement.Status.ACTIVE
    )
    factories.TaskFactory(agreement=agreement, required=4)
    reminder = factories.ReminderFactory(
        obj=school,
        recipient=supervisor,
        state=Reminder.State.SENT,
        sent_at=timezone.now(),
        subject=f"Agreement #{agreement.pk} is due today",
        link=reverse("payoff:detail", args=[agreement.pk]),
    )
    page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm questions

    # Home: coverage today, and one unread notification under the bell.
    sign_in(page, live_server, supervisor, enrol_totp(supervisor))
    expect(page.locator("main")).to_contain_text("School coverage on")
    expect(page.locator("#unread-count")).to_contain_text("1")
    assert_accessible(page)
    page.get_by_role("link", name="Notifications").click()
    expect(page).to_have_url(path_of(reverse("reminders:list")))
    item = page.locator(f"#notification-{reminder.pk}")
    expect(item).to_contain_text(f"Agreement #{agreement.pk} is due today")
    page.evaluate("window.stillTheSamePage = true")  # survives an htmx swap, not a new page
    item.get_by_role("button", name="Mark as read").click()  # htmx swaps the item in place
    expect(item.get_by_role("button", name="Mark as read")).to_have_count(0)
    expect(item).not_to_have_class("list-group-item-info")
    assert page.evaluate("window.stillTheSamePage") is True
    assert_accessible(page)
    reminder.refresh_from_db()
    assert reminder.read_at is not None

    # The dashboard, then only Alpha High (htmx swaps the body, the address follows).
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Program dashboard")
    assert_accessible(page)
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("School", exact=True).select_option(label=school.name)
    expect(page).to_have_url(path_of(reverse("dashboards:program")))
    expect(page.locator(".dash-period")).to_contain_text(school.name)
    by_category = page.locator("#table-incidents-by_category")
    by_category.locator("summary").click()
    expect(by_category.locator("table tbody")).to_contain_text("Bullying")
    assert page.evaluate("window.stillTheSamePage") is True
    assert_accessible(page)

    # The export of the incidents by category, with the school chosen, eleven minutes after
    # signing in: long enough for the portal to ask for the password again.
    with time_machine.travel(time.time() + 11 * 60, tick=True):
        csv_file = download_after_reauthenticating(
            page, by_category.get_by_role("link", name="CSV")
        )
    assert csv_file.suggested_filename.startswith("incidents-by_category-")
    with open(csv_file.path(), encoding="utf-8-sig") as exported:
        lines = exported.read().splitlines()
    assert {"Bullying,2", "Drugs or vaping,1"} <= set(lines[1:])
    assert "Weapons,1" not in lines  # at the other school

    # The agreement: the officer could not get the work done; the supervisor closes it.
    open_menu(page, "PAYOFF").get_by_role("link", name="Agreements").click()
    expect(page).to_have_url(path_of(reverse("payoff:list")))
    assert_accessible(page)
    detail = reverse("payoff:detail", args=[agreement.pk])
    page.locator(f"main a[href='{detail}']").first.click()
    expect(page).to_have_url(path_of(detail))
    assert_accessible(page)
    closing = page.locator("#closing")
    closing.get_by_text("Not completed", exact=True).click()
    closing.get_by_label("Why the agreement was not completed").fill(REASON)
    closing.get_by_label("Next step").select_option(NextStep.REFERRAL)
    closing.get_by_role("button", name="Record as not completed").click()
    expect(page.locator(".messages .alert-success")).to_have_text(
        f"Agreement #{agreement.pk} closed as not completed."
    )
    expect(page.locator("main")).to_contain_text(REASON)
    expect(page.locator("main")).to_contain_text(f"approved by {supervisor}")
    expect(page.locator("#closing")).to_have_count(0)
    assert_accessible(page)
    agreement.refresh_from_db()
    assert (agreement.status, agreement.approved_by) == (Agreement.Status.NOT_COMPLETED, supervisor)
