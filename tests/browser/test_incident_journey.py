"""An incident's journey in the browser: an SRO files it with two students, records the response to
the subject and adds a follow-up; the school's principal then sees the incident without learning
who was involved."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from incidents.models import FollowUp, Incident, Involvement, InvolvementRole, Response
from tests.browser.a11y import assert_accessible
from tests.browser.steps import path_of, sign_in
from tests.factories import StudentFactory
from tests.helpers import enrol_totp, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUMMARY = "A fight in the east hallway at lunch; the SRO separated the students."
NARRATIVE = "The subject pushed the victim into the lockers after an argument online."


def _students(world):
    subject = StudentFactory(school=world.school, first_name="Zebulon", last_name="Quarrington")
    victim = StudentFactory(school=world.school, first_name="Philippa", last_name="Okwuosa")
    return subject, victim


def file_incident(page: Page, live_server, world, subject, victim) -> Incident:
    """The SRO's part: the incident, its two students, the subject's response, a follow-up."""
    sign_in(page, live_server, world.sro, enrol_totp(world.sro))
    page.goto(live_server.url + reverse("incidents:list"))
    page.get_by_role("link", name="Record an incident").click()
    expect(page).to_have_url(path_of(reverse("incidents:create")))
    assert_accessible(page)
    yesterday = world.agency.today() - timedelta(days=1)
    page.locator("#id_occurred_on").fill(yesterday.isoformat())
    page.locator("#id_occurred_time").fill("12:15")
    page.locator("#id_location").select_option("hallway")
    page.locator("#id_category").select_option("assault")
    page.locator("#id_severity").select_option("medium")
    page.locator("#id_school_summary").fill(SUMMARY)
    page.locator("#id_narrative").fill(NARRATIVE)
    page.locator("#id_reported_by").select_option("staff")
    page.get_by_role("button", name="Save the incident").click()
    expect(page.locator("main")).to_contain_text("Incident recorded")
    incident = Incident.objects.get()
    expect(page).to_have_url(path_of(reverse("incidents:detail", args=[incident.pk])))
    assert_accessible(page)

    # The two students: the form is open while nobody is recorded, behind a summary after.
    page.locator("#id_person_role").select_option(InvolvementRole.SUBJECT)
    page.locator("#id_person_student").select_option(str(subject.pk))
    page.get_by_role("button", name="Add the person").click()
    expect(page.locator("main")).to_contain_text("Person added to the incident.")
    page.get_by_text("Add a person", exact=True).click()
    page.locator("#id_person_role").select_option(InvolvementRole.VICTIM)
    page.locator("#id_person_student").select_option(str(victim.pk))
    page.get_by_role("button", name="Add the person").click()
    expect(page.locator("#people")).to_contain_text("Philippa Okwuosa")
    expect(page.locator("#people")).to_contain_text("Zebulon Quarrington")
    assert_accessible(page)

    # The subject's response (only the subject has the form).
    expect(page.get_by_role("button", name="Save the response")).to_have_count(1)
    person = Involvement.objects.get(incident=incident, student=subject)
    page.locator(f"#id_person{person.pk}_response").select_option(Response.WARNING)
    page.locator(f"#id_person{person.pk}_note").fill("Warned in front of the vice-principal")
    page.get_by_role("button", name="Save the response").click()
    expect(page.locator("main")).to_contain_text("Response saved.")

    # A follow-up for the SRO, a week out.
    page.get_by_text("Add a follow-up", exact=True).click()
    page.locator("#id_follow_up_description").fill("Check in with both students")
    due = world.agency.today() + timedelta(days=7)
    page.locator("#id_follow_up_due_on").fill(due.isoformat())
    page.get_by_role("button", name="Add the follow-up").click()
    expect(page.locator("main")).to_contain_text("Follow-up added")
    expect(page.locator("#follow-ups")).to_contain_text("Check in with both students")
    assert_accessible(page)
    return incident


def test_an_sro_files_an_incident_with_two_students(page, live_server, world_a):
    subject, victim = _students(world_a)

    incident = file_incident(page, live_server, world_a, subject, victim)

    people = {p.student_id: p for p in Involvement.objects.filter(incident=incident)}
    assert people[subject.pk].role == InvolvementRole.SUBJECT
    assert people[subject.pk].response == Response.WARNING
    assert people[victim.pk].role == InvolvementRole.VICTIM
    assert people[victim.pk].response == ""
    follow_up = FollowUp.objects.get()
    assert (follow_up.incident, follow_up.owner) == (incident, world_a.sro)
    incident.refresh_from_db()
    assert (incident.school, incident.status) == (world_a.school, Incident.Status.FOLLOW_UP)
    # No student's name travelled in a URL.
    assert "Zebulon" not in page.url and "Quarrington" not in page.url


def _school_pages_answer(world, incident=None) -> bool:
    """Whether the school-admin side of the incident pages exists yet (written in parallel).
    The admin has enrolled in TOTP already: `signed_in` does not enrol them again."""
    client = signed_in(Client(), world.school_admin)
    url = reverse("incidents:detail", args=[incident.pk]) if incident else reverse("incidents:list")
    return client.get(url).status_code == 200


def test_the_principal_sees_the_incident_but_not_who_was_involved(
    page, browser, live_server, page_problems, world_a
):
    principal_secret = enrol_totp(world_a.school_admin)
    if not _school_pages_answer(world_a):
        pytest.skip(
            "incidents:list answers 404 to a school admin: the school-side pages "
            "(incidents/views/school.py) have not landed yet"
        )
    subject, victim = _students(world_a)
    incident = file_incident(page, live_server, world_a, subject, victim)
    if not _school_pages_answer(world_a, incident):
        pytest.skip(
            "incidents:detail answers 404 to a school admin: the school-side pages "
            "(incidents/views/school.py) have not landed yet"
        )

    context = browser.new_context()
    principal = context.new_page()
    page_problems.watch(principal)
    sign_in(principal, live_server, world_a.school_admin, principal_secret)
    principal.goto(live_server.url + reverse("incidents:list"))
    expect(principal.locator("main")).to_contain_text("Assault or fight")
    assert_accessible(principal)
    principal.locator(f"a[href='{reverse('incidents:detail', args=[incident.pk])}']").first.click()
    expect(principal).to_have_url(path_of(reverse("incidents:detail", args=[incident.pk])))
    expect(principal.locator("main")).to_contain_text("Assault or fight")
    expect(principal.locator("main")).to_contain_text(SUMMARY)
    assert_accessible(principal)
    content = principal.content()
    for secret in (
        subject.first_name,
        subject.last_name,
        victim.first_name,
        victim.last_name,
        NARRATIVE,
        "Warned in front of the vice-principal",
    ):
        assert secret not in content
    context.close()
    assert not page_problems.report(), page_problems.report()
