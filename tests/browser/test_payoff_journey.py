"""A PAYOFF agreement's journey in the browser: an SRO drafts an extrajudicial measure for a
15-year-old, adds a task of 2 hours, records the consent (advice on counsel before consent),
activates it, logs two 1-hour sessions verified by themselves, completes it and sees the
check-ins scheduled."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from payoff.models import Agreement, Basis, CheckIn, Statement, WorkSession
from tests.browser.a11y import assert_accessible
from tests.browser.steps import path_of, sign_in
from tests.factories import StudentFactory
from tests.helpers import enrol_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATEMENT = "I wrote on the lockers with a marker. I will clean them."


def _local(moment, world) -> str:
    return moment.astimezone(world.agency.tzinfo).strftime("%Y-%m-%dT%H:%M")


def test_an_sro_takes_an_extrajudicial_measure_from_draft_to_check_ins(
    page, live_server, page_problems, world_a
):
    today = world_a.agency.today()
    offence_on = today - timedelta(days=5)
    # 15 at the offence: born 15 years and 100 days before it.
    born = offence_on.replace(year=offence_on.year - 15) - timedelta(days=100)
    student = StudentFactory(
        school=world_a.school, first_name="Marisol", last_name="Etherington", date_of_birth=born
    )
    page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm questions
    sign_in(page, live_server, world_a.sro, enrol_totp(world_a.sro))

    # The draft.
    page.goto(live_server.url + reverse("payoff:create") + f"?student={student.pk}")
    expect(page.locator("#id_student")).to_have_value(str(student.pk))
    assert_accessible(page)
    page.locator("#id_offence").fill("Wrote on the lockers of the north hallway with a marker.")
    page.locator("#id_offence_on").fill(offence_on.isoformat())
    expect(page.locator("#id_officer")).to_have_value(str(world_a.sro.pk))
    page.locator(f"input[name='basis'][value='{Basis.MEASURE}']").check()
    page.locator("#id_starts_on").fill((today - timedelta(days=3)).isoformat())
    page.locator("#id_due_on").fill((today + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Save the draft").click()
    expect(page.locator("main")).to_contain_text("drafted")
    agreement = Agreement.objects.get()
    expect(page).to_have_url(path_of(reverse("payoff:detail", args=[agreement.pk])))
    expect(page).to_have_title(f"Agreement #{agreement.pk} · SRO Portal")
    assert_accessible(page)

    # A task of 2 hours (the form is open while there is none).
    page.locator("#id_task_kind").select_option("restorative")
    page.locator("#id_task_description").fill("Clean the lockers of the north hallway")
    page.locator("#id_task_unit").select_option("hours")
    page.locator("#id_task_required").fill("2")
    page.get_by_role("button", name="Add the task").click()
    expect(page.locator("#tasks")).to_contain_text("0 of 2 hours")
    expect(page.locator("#submit-activate")).to_be_disabled()  # no consent yet
    expect(page.locator("#activation")).to_contain_text("Record when the youth consented.")

    # The consent: told, advised of counsel, then consent; the parent called.
    page.get_by_role("link", name="Record the consent").click()
    expect(page).to_have_url(path_of(reverse("payoff:consent", args=[agreement.pk])))
    expect(page.locator("main")).to_contain_text("right to a lawyer")
    assert_accessible(page)
    now = timezone.now()
    page.locator("#id_informed_at").fill(_local(now - timedelta(hours=26), world_a))
    page.locator("#id_counsel_advised_at").fill(_local(now - timedelta(hours=25), world_a))
    page.locator("#id_consented_at").fill(_local(now - timedelta(hours=2), world_a))
    page.locator("#id_consent_method").select_option("in_person")
    page.locator("#id_responsibility_accepted").check()
    page.locator("#id_parent_name").fill("Dana Etherington")
    page.locator("#id_parent_notified_at").fill(_local(now - timedelta(hours=1), world_a))
    page.locator("#id_parent_notification_method").select_option("phone")
    page.locator("#id_statement").fill(STATEMENT)
    page.get_by_role("button", name="Save the consent record").click()
    expect(page.locator("main")).to_contain_text("Consent record saved.")
    expect(page.locator("#consent")).to_contain_text("Dana Etherington")
    assert Statement.objects.get(agreement=agreement).text == STATEMENT
    expect(page.locator("main")).not_to_contain_text(STATEMENT)

    # Activation.
    expect(page.locator("#submit-activate")).to_be_enabled()
    page.locator("#submit-activate").click()
    expect(page.locator("main")).to_contain_text(f"Agreement #{agreement.pk} is active.")
    assert_accessible(page)

    # Two sessions of an hour, verified by the SRO.
    for days_ago in (2, 1):
        page.get_by_text("Log a session", exact=True).click()
        page.locator("#id_session_task").select_option(str(agreement.tasks.get().pk))
        page.locator("#id_session_date").fill((today - timedelta(days=days_ago)).isoformat())
        page.locator("#id_session_hours").fill("1")
        page.locator("#id_session_what_was_done").fill("Scrubbed the lockers")
        expect(page.locator("#id_session_verified_by")).to_have_value(str(world_a.sro.pk))
        page.get_by_role("button", name="Log the session").click()
        expect(page.locator("main")).to_contain_text("Session logged.")
    assert WorkSession.objects.filter(agreement=agreement, verified_by=world_a.sro).count() == 2
    expect(page.locator("#tasks")).to_contain_text("2 of 2 hours")

    # Completion, and the check-ins.
    page.get_by_role("button", name="Complete").click()
    expect(page.locator("main")).to_contain_text("completed")
    expect(page.locator("#check-ins")).to_contain_text("6-month check-in")
    expect(page.locator("#check-ins")).to_contain_text("12-month check-in")
    assert_accessible(page)
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.COMPLETED
    assert CheckIn.objects.filter(agreement=agreement).count() == 2
    assert "Marisol" not in page.url and "Etherington" not in page.url

    # The printable agreement and the progress card load their styles, with no navigation.
    page.goto(live_server.url + reverse("payoff:print", args=[agreement.pk]))
    expect(page.locator("main")).to_contain_text("Signatures")
    expect(page.locator("main")).not_to_contain_text(STATEMENT)
    assert page.locator("nav").count() == 0
    assert_accessible(page)
    page.goto(live_server.url + reverse("payoff:progress_card", args=[agreement.pk]))
    expect(page.locator("main")).to_contain_text("Scrubbed the lockers")
    assert_accessible(page)
    # Console errors and CSP violations on any page of the journey fail the test.
    assert not page_problems.report(), page_problems.report()
