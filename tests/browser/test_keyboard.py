"""Keyboard only: an SRO signs in (password, then the app's code) and logs an activity with Tab,
Shift+Tab, Enter, Space and the arrow keys, never a click. Every element the focus lands on shows
that it has it (an outline or a box-shadow), and the skip link, the first stop of every page,
appears when focused and moves the focus to the main content."""

import time

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from officers.models import Activity, ActivityCategory
from tests.browser.steps import path_of
from tests.factories import PASSWORD
from tests.helpers import enrol_totp, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 40  # more stops than any page here has before its form

# What has the focus, and whether it shows: an outline, or a box-shadow (Bootstrap's focus ring).
_FOCUSED = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== "none";
  const box = element.getBoundingClientRect();
  return {
    // An active element not matching :focus (autofocused before the page had the focus) is none.
    tag: element.matches(":focus") ? element.tagName.toLowerCase() : "body",
    id: element.id,
    name: element.getAttribute("name") || "",
    text: (element.innerText || element.value || "").trim().slice(0, 60),
    visible: Boolean(outline || shadow),
    onScreen: box.width > 1 && box.height > 1,
  };
}"""


def focused(page: Page) -> dict:
    return page.evaluate(_FOCUSED)


def tab_to(page: Page, matches, *, backwards: bool = False) -> dict:
    """Presses Tab (Shift+Tab backwards) until the focused element `matches`; each element the
    focus stops at on the way must show its focus."""
    for _ in range(MAX_TABS):
        now = focused(page)
        if now["tag"] != "body":
            assert now["visible"], f"the focus on {now} is not visible ({page.url})"
            if matches(now):
                return now
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"no focusable element matched after {MAX_TABS} tabs on {page.url}")


def by_name(name: str):
    return lambda element: element["name"] == name


def by_text(text: str):
    return lambda element: element["text"] == text


def assert_skip_link_works(page: Page) -> None:
    """The first Tab of a page reaches the skip link, shown on screen; Enter moves to <main>."""
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    first = focused(page)
    assert first["onScreen"] and first["visible"], first
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # Hidden again once it loses the focus.
    page.keyboard.press("Tab")
    assert skip.evaluate("e => e.getBoundingClientRect().width <= 1")


def test_an_sro_signs_in_and_logs_an_activity_with_the_keyboard_only(page, live_server, world_a):
    sro = world_a.sro
    secret = enrol_totp(sro)

    # Sign-in: the skip link, then the fields and the button by Tab; Enter sends.
    # Bootstrap's focus ring fades in; without the animation it is there at once.
    page.emulate_media(reduced_motion="reduce")
    page.goto(live_server.url + reverse("account_login"))
    assert_skip_link_works(page)
    tab_to(page, by_name("login"))
    page.keyboard.type(sro.email)
    tab_to(page, by_name("password"))
    page.keyboard.type(PASSWORD)
    tab_to(page, by_text("Sign in"))
    page.keyboard.press("Enter")

    # The app's code (a code read in its window's last moments would arrive in the next).
    expect(page).to_have_url(path_of(reverse("mfa_authenticate")))
    tab_to(page, by_name("code"))
    left = 30 - time.time() % 30
    if left < 2:
        time.sleep(left + 0.05)
    page.keyboard.type(totp_code(secret))
    page.keyboard.press("Enter")
    expect(page).to_have_url(path_of(reverse("dashboards:home")))

    # Home: the skip link again, then the big button to log an activity.
    assert_skip_link_works(page)
    tab_to(page, by_text("Log an activity"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(path_of(reverse("officers:activity_create")))

    # The form, in the order it shows: the date is today's and the school chosen already; the
    # minutes, then the category by its first letters; Shift+Tab goes back to the minutes.
    expect(page.get_by_label("School")).to_have_value(str(world_a.school.pk))
    tab_to(page, by_name("minutes"))
    page.keyboard.type("30")
    tab_to(page, by_name("category"))
    page.keyboard.type("Couns")
    expect(page.locator("select[name='category']")).to_have_value(ActivityCategory.COUNSELLING)
    tab_to(page, by_name("minutes"), backwards=True)
    expect(page.locator("input[name='minutes']")).to_have_value("30")
    tab_to(page, by_name("students_reached"))
    page.keyboard.type("6")
    tab_to(page, by_text("Save"))
    page.keyboard.press("Space")

    expect(page).to_have_url(path_of(reverse("officers:activity_week")))
    expect(page.locator("main")).to_contain_text("Logged: Counselling, 30 min")
    entry = Activity.objects.get()
    assert (entry.officer, entry.school, entry.minutes, entry.students_reached) == (
        sro,
        world_a.school,
        30,
        6,
    )
