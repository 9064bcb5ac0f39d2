"""Steps shared by the browser journeys: signing in through the real pages, and page checks."""

import re
import time

from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD
from tests.helpers import secret_from_page, totp_code

PHONE = {"width": 375, "height": 740}


def path_of(url: str) -> re.Pattern:
    """Matches a page URL by its path, whatever the query string."""
    return re.compile(rf"^https?://[^/]+{re.escape(url)}(\?.*)?$")


def assert_styled(page: Page) -> None:
    """The stylesheets arrived and apply: Bootstrap's d-flex makes <body> a flex container."""
    assert page.evaluate("getComputedStyle(document.body).display") == "flex"


def assert_fits_the_phone(page: Page) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"], f"{page.url} is {scroll_width}px wide on a phone"


def sign_in_with_password(page: Page, live_server, email: str) -> None:
    page.goto(live_server.url + "/")
    expect(page).to_have_url(path_of(reverse("account_login")))
    expect(page.get_by_role("heading", name="Sign in to SRO Portal")).to_be_visible()
    assert_styled(page)
    page.locator("input[name='login']").fill(email)
    page.locator("input[name='password']").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def enter_code(page: Page, secret: str) -> None:
    """Types the app's current code, and sends it. allauth accepts only the current 30 s window:
    a code read in the window's last moments would reach the server in the next one."""
    left = 30 - time.time() % 30
    if left < 2:
        time.sleep(left + 0.05)
    page.locator("input[name='code']").fill(totp_code(secret))
    page.locator("form").filter(has=page.locator("input[name='code']")).locator(
        "button[type='submit']"
    ).click()


def sign_in(page: Page, live_server, user, secret: str) -> None:
    """From the portal's address to the home page: password, then the app's code."""
    sign_in_with_password(page, live_server, user.email)
    expect(page).to_have_url(path_of(reverse("mfa_authenticate")))
    assert_styled(page)
    enter_code(page, secret)
    expect(page).to_have_url(path_of(reverse("dashboards:home")))


def open_menu(page: Page, name: str):
    """Opens one of the navigation's drop-down menus; returns the menu (its links are in it)."""
    item = page.locator("#main-nav li.dropdown").filter(
        has=page.get_by_role("button", name=name, exact=True)
    )
    item.get_by_role("button", name=name, exact=True).click()
    menu = item.locator(".dropdown-menu")
    expect(menu).to_be_visible()
    return menu


def activate_authenticator_app(page: Page) -> str:
    """A member just signed in and held at MFA enrolment sets up the authenticator app (allauth
    shows the recovery codes after); returns the app's secret. Ends on the home page."""
    expect(page).to_have_url(path_of(reverse("mfa_index")))
    page.locator(f"a[href='{reverse('mfa_activate_totp')}']").click()
    expect(page).to_have_url(path_of(reverse("mfa_activate_totp")))
    expect(page.locator("main img[src^='data:']")).to_be_visible()  # the QR code
    field = page.locator("#authenticator_secret")
    secret = field.input_value() if field.count() else secret_from_page(page.content())
    enter_code(page, secret)
    recovery_codes, home = reverse("mfa_view_recovery_codes"), reverse("dashboards:home")
    page.wait_for_url(re.compile(f"{re.escape(recovery_codes)}|^https?://[^/]+{re.escape(home)}$"))
    if path_of(recovery_codes).match(page.url):
        page.get_by_role("link", name="SRO Portal").click()
    expect(page).to_have_url(path_of(home))
    return secret
