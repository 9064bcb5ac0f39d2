"""Signing in through the real pages in headless Chromium: password, then the authenticator app's
code, then the home page of the user's role, showing only the user's own agency.

Each test uses a TOTP code once (a code is accepted once per user and 30 s window), so no test
needs to travel in time. The page fixture (conftest.py) fails a test on any console error,
uncaught script error, Content Security Policy violation or unserved static file.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from sro_portal.accounts.models import Role
from tests import factories
from tests.browser.a11y import assert_accessible
from tests.browser.steps import (
    PHONE,
    assert_fits_the_phone,
    assert_styled,
    enter_code,
    path_of,
    sign_in,
    sign_in_with_password,
)
from tests.factories import PASSWORD
from tests.helpers import enrol_totp, secret_from_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOME_HEADINGS = {
    Role.ADMIN: "Active members",
    Role.SUPERVISOR: "School coverage on",
    Role.SRO: "My schools today",
    Role.SCHOOL: "My schools and their resource officers",
}


@pytest.mark.parametrize("role", Role.values)
def test_each_role_signs_in_to_its_own_home(
    page, live_server, page_problems, world_a, world_b, role
):
    user = world_a.users[role]
    secret = enrol_totp(user)

    sign_in(page, live_server, user, secret)

    main = page.locator("main")
    expect(main).to_contain_text(HOME_HEADINGS[role])
    expect(main.get_by_text(world_a.school.name).first).to_be_visible()
    content = page.content()
    assert world_b.school.name not in content
    assert world_b.agency.name not in content
    assert_styled(page)
    assert_accessible(page)
    assert any(url.endswith(".css") for url in page_problems.static_loaded)
    assert any(url.endswith(".js") for url in page_problems.static_loaded)


@pytest.mark.browser_context_args(viewport=PHONE, is_mobile=True, has_touch=True)
def test_sro_on_a_phone_never_scrolls_sideways(page, live_server, world_a):
    sro = world_a.sro
    secret = enrol_totp(sro)

    sign_in_with_password(page, live_server, sro.email)
    expect(page).to_have_url(path_of(reverse("mfa_authenticate")))
    assert_fits_the_phone(page)
    enter_code(page, secret)
    expect(page).to_have_url(path_of(reverse("dashboards:home")))

    expect(page.locator("main")).to_contain_text("My schools today")
    expect(page.locator("main").get_by_text(world_a.school.name).first).to_be_visible()
    assert page.evaluate("window.innerWidth") == PHONE["width"]
    assert_fits_the_phone(page)
    # The navigation folds behind the menu button (Bootstrap's collapse, run from a static file).
    menu_button = page.get_by_role("button", name="Show navigation")
    expect(menu_button).to_be_visible()
    expect(page.get_by_role("link", name="Home", exact=True)).to_be_hidden()
    menu_button.click()
    expect(page.get_by_role("link", name="Home", exact=True)).to_be_visible()
    assert_accessible(page)  # with the navigation open
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))  # opened fully
    assert_fits_the_phone(page)


def test_first_sign_in_without_mfa_enrols_an_authenticator_app(page, live_server, world_a):
    newcomer = factories.UserFactory(
        agency=world_a.agency, role=Role.SRO, email="newcomer@alpha.test"
    )
    factories.AssignmentFactory(agency=world_a.agency, school=world_a.school, officer=newcomer)

    sign_in_with_password(page, live_server, newcomer.email)
    # No authenticator yet: no code is asked for, and every page leads to enrolment.
    expect(page).to_have_url(path_of("/accounts/2fa/"))
    page.goto(live_server.url + reverse("dashboards:home"))
    expect(page).to_have_url(path_of("/accounts/2fa/"))
    assert_styled(page)

    page.locator(f"a[href='{reverse('mfa_activate_totp')}']").click()
    reauthenticate, activate = reverse("account_reauthenticate"), reverse("mfa_activate_totp")
    page.wait_for_url(re.compile(f"({re.escape(reauthenticate)}|{re.escape(activate)})"))
    if path_of(reauthenticate).match(page.url):
        # allauth may ask for the password again before a security change.
        page.locator("input[name='password']").fill(PASSWORD)
        page.locator("form").filter(has=page.locator("input[name='password']")).locator(
            "button[type='submit']"
        ).click()
    expect(page).to_have_url(path_of(reverse("mfa_activate_totp")))
    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    # The QR code is a data: image, which the Content Security Policy allows (img-src).
    qr_code = page.locator("main img[src^='data:']")
    expect(qr_code).to_be_visible()
    assert qr_code.evaluate("img => img.complete && img.naturalWidth > 0")
    assert_accessible(page)

    secret_field = page.locator("#authenticator_secret")
    if secret_field.count():
        secret = secret_field.input_value()
        assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    else:
        secret = secret_from_page(page.content())
    enter_code(page, secret)

    # Enrolled. allauth shows the recovery codes it has just made; the brand link then opens the
    # portal, no longer held at enrolment.
    recovery_codes, home = reverse("mfa_view_recovery_codes"), reverse("dashboards:home")
    page.wait_for_url(re.compile(f"{re.escape(recovery_codes)}|^https?://[^/]+{re.escape(home)}$"))
    if path_of(recovery_codes).match(page.url):
        expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
        expect(page.locator("#recovery_codes")).to_have_value(re.compile(r"^\w+(\n\w+)+$"))
        page.get_by_role("link", name="SRO Portal").click()
    expect(page).to_have_url(path_of(home))
    expect(page.locator("main")).to_contain_text("My schools today")
    expect(page.locator("main").get_by_text(world_a.school.name).first).to_be_visible()
    assert newcomer.authenticator_set.filter(type="totp").exists()
