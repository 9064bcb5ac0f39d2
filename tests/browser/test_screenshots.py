"""The main page of each role, on the demo agency's data (`seed_demo`: 16 schools, a school year of
work), photographed for the README and the issue's artifacts, and checked by axe with real volumes.

Saved under test-artifacts/screenshots/ as `demo-<role>-<page>.png` (the full page),
`demo-<role>-<page>-top.png` (the first screen: 1200 x 900 on a desktop, 375 x 740 on a phone) and
`demo-<role>-<page>-<section>.png` (1200 x 900 from each of the dashboard's first sections).
"""

import pytest
from django.urls import reverse

from sro_portal.accounts.models import User
from sro_portal.demo.seed import seed_demo
from tests.browser.a11y import axe_violations, format_violations
from tests.browser.conftest import SCREENSHOTS, TIMEOUT_MS
from tests.browser.steps import PHONE, assert_fits_the_phone, sign_in
from tests.factories import PASSWORD
from tests.helpers import enrol_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1200, "height": 900}

# (who, their main pages, on a phone?)
SHOTS = [
    ("supervisor@eps.demo", "supervisor", ["dashboards:home", "dashboards:program"], False),
    ("admin@eps.demo", "agency-admin", ["dashboards:home"], False),
    ("sro@eps.demo", "sro", ["dashboards:home", "officers:activity_week"], True),
    ("school@eps.demo", "school-admin", ["dashboards:home"], False),
]


def test_the_main_page_of_each_role_on_the_demo(browser, live_server, page_problems):
    seed_demo()
    problems = []
    for email, role, pages, phone in SHOTS:
        user = User.objects.get(email=email)
        user.set_password(PASSWORD)  # the steps sign in with the factories' password
        user.save(update_fields=["password"])
        options = (
            {"viewport": PHONE, "is_mobile": True, "has_touch": True}
            if phone
            else {"viewport": DESKTOP}
        )
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page_problems.watch(page)
        sign_in(page, live_server, user, enrol_totp(user))
        for name in pages:
            page.goto(live_server.url + reverse(name))
            slug = name.split(":")[1].replace("_", "-")
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=SCREENSHOTS / f"demo-{role}-{slug}.png", full_page=True)
            page.screenshot(path=SCREENSHOTS / f"demo-{role}-{slug}-top.png")
            if phone:
                assert_fits_the_phone(page)
            else:
                for section in page.locator(".dash-section").all()[:3]:
                    # The dashboard's first sections, each from its heading (the README's picture).
                    top = section.evaluate("(el) => el.getBoundingClientRect().top + scrollY")
                    key = section.get_attribute("id").removeprefix("section-")
                    page.screenshot(
                        path=SCREENSHOTS / f"demo-{role}-{slug}-{key}.png",
                        full_page=True,
                        clip={"x": 0, "y": max(top - 24, 0), **DESKTOP},
                    )
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= DESKTOP["width"], f"{page.url} is {width}px wide on a desktop"
            violations = axe_violations(page)
            if violations:
                problems.append(format_violations(violations, where=f"{page.url}\n  "))
        context.close()
    assert not problems, "\n".join(problems)
    assert not page_problems.report(), page_problems.report()
