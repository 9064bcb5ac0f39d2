"""Steps shared by the browser journeys: signing in through the real pages, and page checks."""

import re
import time

from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD
from tests.helpers import totp_code

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
