"""The agency admin's journey in the browser: from sign-in with MFA, invite an officer (who accepts
through the emailed link, sets up the authenticator app and lands on their home page), add a
school, and set a board's drill rules. axe-core checks every page reached."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from schools.models import DrillKind, DrillRule, School
from sro_portal.accounts.models import Invitation, Role, User
from tests.browser.a11y import assert_accessible
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.steps import activate_authenticator_app, open_menu, path_of, sign_in
from tests.helpers import enrol_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INVITEE = "new.officer@alpha.test"
NEW_PASSWORD = "violet-canoe-harbour-42"


def _link_path(message) -> str:
    """The invitation's link in the email, as a path (the email names the public site)."""
    match = re.search(r"https?://[^/\s]+(/invitation/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_admin_invites_an_officer_adds_a_school_and_sets_drill_rules(
    page, browser, live_server, page_problems, world_a
):
    admin = world_a.admin
    sign_in(page, live_server, admin, enrol_totp(admin))
    expect(page.locator("main")).to_contain_text("Active members")
    assert_accessible(page)

    # The invitation: from the Agency menu to the team, then the form.
    open_menu(page, "Agency").get_by_role("link", name="Team").click()
    expect(page).to_have_url(path_of(reverse("accounts:team")))
    page.locator("main").get_by_role("link", name="Invite someone").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite someone")
    assert_accessible(page)
    page.get_by_label("Email").fill(INVITEE)
    page.get_by_label("Full name").fill("Nadia Officer")
    page.get_by_label("Role").select_option(Role.SRO)
    expect(page.locator("#div_id_schools")).to_be_hidden()  # only for school admins
    page.get_by_role("button", name="Send invitation").click()
    expect(page).to_have_url(path_of(reverse("accounts:team")))
    expect(page.locator(".messages .alert-success")).to_have_text(f"Invitation sent to {INVITEE}.")
    pending = page.locator("section[aria-labelledby='pending-heading']")
    expect(pending).to_contain_text(INVITEE)
    expect(pending).to_contain_text("School resource officer")
    assert_accessible(page)
    assert Invitation.objects.get().email == INVITEE

    # The invitee's email, and their link: an account, the authenticator app, their home.
    [message] = mail.outbox
    assert message.to == [INVITEE]
    assert world_a.agency.name in message.subject
    invitee_context = browser.new_context()
    invitee_context.set_default_timeout(TIMEOUT_MS)
    invitee = invitee_context.new_page()
    page_problems.watch(invitee)
    invitee.goto(live_server.url + _link_path(message))
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Create your account")
    expect(invitee.locator("main")).to_contain_text(world_a.agency.name)
    assert_accessible(invitee)
    expect(invitee.get_by_label("Full name")).to_have_value("Nadia Officer")
    invitee.locator("#id_password1").fill(NEW_PASSWORD)
    invitee.locator("#id_password2").fill(NEW_PASSWORD)
    invitee.get_by_role("button", name="Create my account").click()
    expect(invitee.locator("main")).to_contain_text("One more step")
    assert_accessible(invitee)
    activate_authenticator_app(invitee)
    expect(invitee).to_have_url(path_of(reverse("dashboards:home")))
    expect(invitee.locator("main")).to_contain_text("My schools today")
    assert_accessible(invitee)
    officer = User.objects.get(email=INVITEE)
    assert (officer.agency, officer.role) == (world_a.agency, Role.SRO)
    invitee_context.close()

    # The team page no longer lists the invitation as pending; the officer is a member.
    page.reload()
    expect(page.locator("section[aria-labelledby='pending-heading']")).to_have_count(0)
    expect(page.locator("section[aria-labelledby='members-heading']")).to_contain_text(
        "Nadia Officer"
    )

    # A school.
    open_menu(page, "Schools").get_by_role("link", name="Schools").click()
    page.locator("main").get_by_role("link", name="Add a school").click()
    expect(page).to_have_url(path_of(reverse("schools:school_create")))
    assert_accessible(page)
    page.get_by_label("Name").fill("Gamma Catholic High")
    page.get_by_label("Board").select_option(str(world_a.school.board_id))
    page.locator("#id_principal_name").fill("Rosa Gamma")
    page.get_by_role("button", name="Save school").click()
    school = School.objects.get(name="Gamma Catholic High")
    expect(page).to_have_url(path_of(reverse("schools:school_detail", args=[school.pk])))
    expect(page.locator(".messages .alert-success")).to_have_text("Gamma Catholic High saved.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Gamma Catholic High")
    assert_accessible(page)
    assert school.agency == world_a.agency

    # The board's drill rules: three lockdowns a school year, two of them unannounced.
    board = world_a.school.board
    open_menu(page, "Schools").get_by_role("link", name="School boards").click()
    expect(page).to_have_url(path_of(reverse("schools:board_list")))
    page.get_by_role("link", name=f"Edit {board.name}").click()
    expect(page).to_have_url(path_of(reverse("schools:board_edit", args=[board.pk])))
    assert_accessible(page)
    page.get_by_label("Required: Lockdown").fill("3")
    page.get_by_label("Per: Lockdown").select_option(DrillRule.Period.YEAR)
    page.get_by_label("Of which unannounced: Lockdown").fill("2")
    page.get_by_role("button", name="Save board").click()
    expect(page).to_have_url(path_of(reverse("schools:board_list")))
    expect(page.locator(".messages .alert-success")).to_have_text(f"{board.name} saved.")
    expect(page.locator("main tbody")).to_contain_text(
        "Lockdown: 3 per school year (2 unannounced)"
    )
    assert_accessible(page)
    rule = DrillRule.objects.get(board=board, kind=DrillKind.LOCKDOWN)
    assert (rule.required, rule.period, rule.unannounced_required) == (3, "year", 2)
