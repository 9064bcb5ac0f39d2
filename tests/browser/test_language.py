"""Switching languages in the browser: French on the sign-in page before having an account (a
cookie), then back to English from the footer once signed in (saved on the account)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.steps import enter_code, path_of
from tests.factories import PASSWORD
from tests.helpers import enrol_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _switch_to(page, language: str, *, button: str) -> None:
    """The footer's switch: choose the language, then its button (named in the page's language)."""
    footer = page.locator("footer")
    footer.locator("#language-select").select_option(language)
    footer.get_by_role("button", name=button).click()


def test_switching_to_french_before_signing_in_and_back_to_english_after(
    page, live_server, world_a
):
    sro = world_a.sro
    secret = enrol_totp(sro)
    page.goto(live_server.url + reverse("account_login"))
    expect(page.locator("html")).to_have_attribute("lang", "en")

    _switch_to(page, "fr", button="Change")
    expect(page).to_have_url(path_of(reverse("account_login")))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.locator("input[name='login']").fill(sro.email)
    page.locator("input[name='password']").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    enter_code(page, secret)
    expect(page).to_have_url(path_of(reverse("dashboards:home")))
    expect(page.locator("main")).to_contain_text("Mes écoles aujourd'hui")

    _switch_to(page, "en", button="Modifier")
    expect(page).to_have_url(path_of(reverse("dashboards:home")))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main")).to_contain_text("My schools today")
    sro.refresh_from_db()
    assert sro.language == "en"
