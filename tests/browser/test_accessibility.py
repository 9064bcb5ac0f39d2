"""Every main page of every role passes axe-core's WCAG 2.0/2.1 A and AA rules, and the SRO's pages
fit a 375 px phone with tap targets at least 44 px high.

One browser context per role, signed in once (password and authenticator code through the real
pages), then a walk over the pages that role reaches in a small world: one agency, its two
schools, and a few rows of each kind. A page's problems are collected and reported together at
the end, so one run shows all of them, with the conftest's watchers' findings: any CSP violation,
console error, script error or missing static file on any page visited.
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from incidents.models import Incident
from payoff.models import Agreement, Basis
from presentations.models import Presentation, Presenter
from presentations.tokens import feedback_token
from schools.models import Drill, DrillKind
from sro_portal.accounts.models import Role
from sro_portal.accounts.tokens import invitation_token
from sro_portal.reminders.models import Reminder
from tests import factories
from tests.browser.a11y import axe_violations, format_violations
from tests.browser.conftest import SCREENSHOTS, TIMEOUT_MS
from tests.browser.steps import (
    PHONE,
    enter_code,
    path_of,
    sign_in,
    sign_in_with_password,
)
from tests.helpers import enrol_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MIN_TAP = 44  # px: WCAG 2.5.5's target size, and Apple's and Google's guidance


@dataclass
class Rows:
    """The seeded rows whose detail pages are visited."""

    drill: object
    recorded_drill: object
    incident: object
    agreement: object
    active_agreement: object
    check_in: object
    topic: object
    requested_talk: object
    feedback: object
    student: object
    partner: object
    referral: object
    activity: object
    invitation: object


def seed(world) -> Rows:
    """A few rows of each kind in `world`'s agency, at the school the SRO and school admin share."""
    school, sro, now = world.school, world.sro, timezone.now()
    drill = factories.DrillFactory(school=school, kind=DrillKind.EVACUATION)
    recorded = factories.DrillFactory(
        school=school,
        kind=DrillKind.LOCKDOWN,
        announced=False,
        status=Drill.Status.COMPLETED,
        planned_at=now - timedelta(days=5),
        started_at=now - timedelta(days=5),
        ended_at=now - timedelta(days=5) + timedelta(minutes=4),
        seconds_to_complete=240,
        participants=600,
        sro_present=True,
        observations="Two classrooms were slow to lock their doors.",
        leader=world.school_admin,
        recorded_by=world.school_admin,
    )
    factories.CorrectiveActionFactory(drill=recorded, owner=world.school_admin)
    factories.DrillFactory(school=world.other_school, kind=DrillKind.HOLD_AND_SECURE)

    student = factories.StudentFactory(school=school, first_name="Jordan", last_name="Lee")
    incident = factories.IncidentFactory(school=school, recorded_by=sro)
    factories.IncidentFactory(
        school=school, recorded_by=sro, category="drugs", status=Incident.Status.CLOSED
    )
    factories.InvolvementFactory(incident=incident, student=student)
    factories.FollowUpFactory(incident=incident, owner=sro)
    factories.DisclosureFactory(incident=incident, recipient=world.school_admin, disclosed_by=sro)

    agreement = factories.AgreementFactory(school=school, student=student, officer=sro)
    factories.TaskFactory(agreement=agreement)
    active = factories.AgreementFactory(
        school=school,
        officer=sro,
        status=Agreement.Status.ACTIVE,
        co_signer=world.school_admin,
    )
    factories.TaskFactory(agreement=active, required=4)
    factories.AgreementFactory(school=school, officer=sro, basis=Basis.MEASURE)
    check_in = factories.CheckInFactory(agreement__school=school, agreement__officer=sro)

    topic = factories.TopicFactory(agency=world.agency, title="Vaping: the facts")
    factories.MaterialFactory(topic=topic, uploaded_by=world.admin)
    requested = factories.PresentationFactory(
        school=school, topic=topic, requested_by=world.school_admin
    )
    scheduled = factories.PresentationFactory(
        school=school,
        topic=topic,
        requested_by=world.school_admin,
        status=Presentation.Status.SCHEDULED,
        scheduled_at=now + timedelta(days=3),
    )
    Presenter.objects.create(agency=world.agency, presentation=scheduled, user=sro)
    feedback = factories.FeedbackFactory(
        presentation__school=school,
        presentation__topic=topic,
        presentation__requested_by=world.school_admin,
    )

    partner = factories.CommunityPartnerFactory(agency=world.agency, name="Alberta Health Services")
    referral = factories.ReferralFactory(student=student, partner=partner, made_by=sro)
    activity = factories.ActivityFactory(school=school, officer=sro)
    factories.ActivityFactory(school=school, officer=sro, minutes=45, students_reached=28)
    invitation = factories.InvitationFactory(agency=world.agency, email="new.officer@alpha.test")
    for user in world.users.values():
        for read_at in (None, now):
            factories.ReminderFactory(
                obj=school,
                recipient=user,
                state=Reminder.State.SENT,
                sent_at=now,
                read_at=read_at,
                subject=f"Evacuation drill at {school.name} in 3 days",
                body="Planned for next week. Record it once it is done.",
                link=reverse("schools:drill_detail", args=[drill.pk]),
            )
    return Rows(
        drill=drill,
        recorded_drill=recorded,
        incident=incident,
        agreement=agreement,
        active_agreement=active,
        check_in=check_in,
        topic=topic,
        requested_talk=requested,
        feedback=feedback,
        student=student,
        partner=partner,
        referral=referral,
        activity=activity,
        invitation=invitation,
    )


def _common(world, rows: Rows) -> list[str]:
    """What every role reaches."""
    return [
        reverse("dashboards:home"),
        reverse("dashboards:program"),
        reverse("schools:school_list"),
        reverse("schools:school_detail", args=[world.school.pk]),
        reverse("schools:drill_list"),
        reverse("schools:drill_detail", args=[rows.drill.pk]),
        reverse("schools:drill_detail", args=[rows.recorded_drill.pk]),
        reverse("officers:officer_list"),
        reverse("officers:officer_detail", args=[world.sro.pk]),
        reverse("officers:assignment_list"),
        reverse("officers:partner_list"),
        reverse("incidents:list"),
        reverse("incidents:detail", args=[rows.incident.pk]),
        reverse("payoff:list"),
        reverse("payoff:detail", args=[rows.agreement.pk]),
        reverse("payoff:detail", args=[rows.active_agreement.pk]),
        reverse("presentations:list"),
        reverse("presentations:detail", args=[rows.requested_talk.pk]),
        reverse("presentations:detail", args=[rows.feedback.presentation.pk]),
        reverse("presentations:topics"),
        reverse("presentations:topic", args=[rows.topic.pk]),
        reverse("reminders:list"),
        reverse("reminders:settings"),
        reverse("calendars:settings"),
        reverse("mfa_index"),
    ]


def _police(world, rows: Rows) -> list[str]:
    return [
        reverse("incidents:overdue"),
        reverse("incidents:student_history", args=[rows.student.pk]),
        reverse("officers:student_list"),
        reverse("officers:student_detail", args=[rows.student.pk]),
        reverse("officers:referral_list"),
        reverse("officers:referral_detail", args=[rows.referral.pk]),
        reverse("payoff:check_ins"),
        reverse("payoff:check_in", args=[rows.check_in.pk]),
    ]


def pages_for(role: str, world, rows: Rows) -> list[str]:
    if role == Role.SUPERVISOR:
        # A supervisor reaches the agency admin's pages, with fewer buttons: the admin's walk
        # covers those templates, and this one the pages a supervisor works in.
        return [
            reverse("dashboards:home"),
            reverse("dashboards:program"),
            reverse("incidents:list"),
            reverse("incidents:detail", args=[rows.incident.pk]),
            reverse("incidents:overdue"),
            reverse("payoff:list"),
            reverse("payoff:detail", args=[rows.active_agreement.pk]),
            reverse("payoff:check_ins"),
            reverse("payoff:check_in", args=[rows.check_in.pk]),
            reverse("payoff:rates"),
            reverse("schools:compliance"),
            reverse("officers:coverage"),
            reverse("officers:activity_list"),
            reverse("presentations:feedback_results"),
        ]
    pages = _common(world, rows)
    if role in (Role.ADMIN, Role.SRO):
        pages += _police(world, rows)
    if role == Role.ADMIN:
        pages += [
            reverse("schools:compliance"),
            reverse("officers:coverage"),
            reverse("officers:activity_list"),
            reverse("payoff:rates"),
            reverse("presentations:feedback_results"),
            reverse("accounts:team"),
            reverse("accounts:invite"),
            reverse("accounts:member_edit", args=[world.sro.pk]),
            reverse("accounts:agency_settings"),
            reverse("audit:trail"),
            reverse("reminders:failed"),
            reverse("schools:board_list"),
            reverse("schools:board_edit", args=[world.school.board_id]),
            reverse("schools:school_create"),
            reverse("schools:school_edit", args=[world.school.pk]),
            reverse("schools:school_import"),
            reverse("officers:assignment_create"),
            reverse("officers:partner_create"),
            reverse("presentations:topic_create"),
            reverse("presentations:topic_edit", args=[rows.topic.pk]),
        ]
    if role == Role.SRO:
        pages += [
            reverse("officers:activity_week"),
            reverse("officers:activity_create"),
            reverse("officers:activity_list"),
            reverse("officers:activity_edit", args=[rows.activity.pk]),
            reverse("officers:profile_edit", args=[world.sro.pk]),
            reverse("officers:student_create"),
            reverse("officers:referral_create"),
            reverse("incidents:create"),
            reverse("incidents:edit", args=[rows.incident.pk]),
            reverse("incidents:disclosure_create", args=[rows.incident.pk]),
            reverse("payoff:create"),
            reverse("payoff:consent", args=[rows.agreement.pk]),
            reverse("schools:drill_create"),
            reverse("schools:drill_record", args=[rows.drill.pk]),
            reverse("presentations:request"),
            reverse("presentations:schedule", args=[rows.requested_talk.pk]),
        ]
    if role == Role.SCHOOL:
        pages += [
            reverse("incidents:disclosures_received"),
            reverse("schools:drill_create"),
            reverse("schools:drill_edit", args=[rows.drill.pk]),
            reverse("presentations:request"),
        ]
    return pages


@dataclass
class Findings:
    """Problems found on the pages of one walk, reported together at the end."""

    items: list[str] = field(default_factory=list)
    # Pages answered with an error status on purpose (a form sent with errors is a 400, an unknown
    # address a 404): Chromium logs "Failed to load resource" for them, which is no problem.
    error_pages: set[str] = field(default_factory=set)

    def add(self, where: str, problem: str) -> None:
        self.items.append(f"{where}\n  {problem}")

    def check(self, page: Page, where: str = "") -> None:
        """axe's WCAG 2.0/2.1 A and AA rules on the page as it is now."""
        violations = axe_violations(page)
        if violations:
            self.items.append(format_violations(violations, where=f"{where or page.url}\n  "))

    def check_width(self, page: Page) -> None:
        """The page never scrolls sideways, on a phone or on a desktop screen."""
        width, screen = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width > screen:
            self.add(page.url, f"{width}px wide on a {screen}px screen: it scrolls sideways")

    def check_phone(self, page: Page) -> None:
        """No sideways scrolling at 375 px; buttons, fields and navigation links 44 px high."""
        self.check_width(page)
        for target in page.evaluate(_SMALL_TARGETS, MIN_TAP):
            self.add(page.url, f"tap target {target} is under {MIN_TAP}px high")

    def check_form_errors(self, page: Page) -> None:
        """The form came back with errors, each tied to its field (aria-describedby)."""
        where = f"{page.url} (form sent with errors)"
        if not page.locator("main .is-invalid, main .alert-danger").count():
            self.add(where, "no error is shown")
        for field_id in page.evaluate(_ERRORS_NOT_TIED):
            self.add(where, f"the error of #{field_id} is not tied to it by aria-describedby")
        self.check(page, where)

    def report(self) -> str:
        return "\n".join(self.items)


# The main interactive elements of a page, measured on a phone: buttons, form fields, checkbox and
# radio rows (their label is the target), pagination and navigation links. Links inside running
# text and table cells are inline targets, which WCAG 2.5.8 exempts.
_SMALL_TARGETS = """(min) => {
  const selector = [
    "button", ".btn", "input:not([type=hidden]):not([type=checkbox]):not([type=radio])",
    "select", "textarea", ".form-check", ".page-link", "nav a", ".navbar-toggler",
  ].join(",");
  const small = [];
  for (const element of document.querySelectorAll(selector)) {
    const box = element.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(element).visibility === "hidden") continue;
    if (element.closest(".visually-hidden, .visually-hidden-focusable")) continue;
    if (box.height + 0.5 < min) {
      const name = (element.innerText || element.getAttribute("aria-label") || element.name || "")
        .trim().split("\\n")[0].slice(0, 40);
      small.push(`${element.tagName.toLowerCase()}.${[...element.classList].join(".")}`
        + ` "${name}" (${Math.round(box.height)}px)`);
    }
  }
  return small;
}"""

# Fields marked invalid whose error message is not their description (aria-describedby, on the
# field or, for a group of radio buttons or checkboxes, on its fieldset).
_ERRORS_NOT_TIED = """() => [...document.querySelectorAll("main .is-invalid")]
  .filter((field) => {
    const described = [field, field.closest("fieldset")].filter(Boolean)
      .map((element) => element.getAttribute("aria-describedby") || "").join(" ");
    const ids = described.split(/\\s+/).filter(Boolean);
    return !ids.some((id) => {
      const described = document.getElementById(id);
      return described && /invalid-feedback|errorlist|text-danger/.test(described.className);
    });
  })
  .map((field) => field.id || field.name)"""


def visit(page: Page, url: str, findings: Findings) -> bool:
    response = page.goto(url, wait_until="domcontentloaded")
    if response is None or response.status >= 400:
        findings.add(url, f"answered {response and response.status}")
        return False
    return True


def submit_with_errors(page: Page, findings: Findings, url: str, button: str | re.Pattern) -> None:
    """Sends the page's form empty (the browser's own checks turned off, as an old browser or a
    script would), and checks the page that comes back with the errors."""
    if not visit(page, url, findings):
        return
    page.locator("main form").evaluate_all("forms => forms.forEach((f) => (f.noValidate = true))")
    findings.error_pages.add(page.url)
    page.locator("main").get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()
    findings.check_form_errors(page)


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def _new_context(browser, page_problems, *, phone: bool = False):
    options = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {}
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page_problems.watch(page)
    return context, page


def _walk(page: Page, live_server, paths: list[str], *, phone: bool = False) -> Findings:
    findings = Findings()
    for path in paths:
        if visit(page, live_server.url + path, findings):
            findings.check(page)
            if phone:
                findings.check_phone(page)
            else:
                findings.check_width(page)
    return findings


def assert_none(findings: Findings, page_problems) -> None:
    """Nothing found by axe or the page checks, and no CSP violation, console error, script error
    or missing static file in any page the test opened (this module's contexts are its own, so
    the conftest's `page` fixture does not check them)."""
    page_problems.console = [
        message
        for message in page_problems.console
        if not (
            "Failed to load resource: the server responded with a status of 4" in message
            and any(message.endswith(f"({url})") for url in findings.error_pages)
        )
    ]
    problems = "\n".join(filter(None, [findings.report(), page_problems.report()]))
    assert not problems, problems


def _signed_in(browser, live_server, page_problems, world, role, *, phone=False):
    context, page = _new_context(browser, page_problems, phone=phone)
    user = world.users[role]
    sign_in(page, live_server, user, enrol_totp(user))
    return context, page


def test_agency_admin_pages_are_accessible(browser, live_server, page_problems, world_a):
    rows = seed(world_a)
    context, page = _signed_in(browser, live_server, page_problems, world_a, Role.ADMIN)
    screenshot(page, "home-agency-admin")
    findings = _walk(page, live_server, pages_for(Role.ADMIN, world_a, rows))
    invite = live_server.url + reverse("accounts:invite")
    submit_with_errors(page, findings, invite, "Send invitation")
    context.close()
    assert_none(findings, page_problems)


def test_supervisor_pages_are_accessible(browser, live_server, page_problems, world_a):
    rows = seed(world_a)
    context, page = _signed_in(browser, live_server, page_problems, world_a, Role.SUPERVISOR)
    screenshot(page, "home-supervisor")
    findings = _walk(page, live_server, pages_for(Role.SUPERVISOR, world_a, rows))
    page.goto(live_server.url + reverse("dashboards:program"))
    screenshot(page, "dashboard-supervisor")
    context.close()
    assert_none(findings, page_problems)


def test_sro_pages_are_accessible_and_fit_a_phone(browser, live_server, page_problems, world_a):
    rows = seed(world_a)
    context, page = _signed_in(browser, live_server, page_problems, world_a, Role.SRO, phone=True)
    screenshot(page, "home-sro-on-a-phone")
    findings = Findings()
    # The navigation, opened with its menu button, and one of its menus.
    page.get_by_role("button", name="Show navigation").click()
    expect(page.locator("#main-nav")).to_be_visible()
    page.locator("#main-nav").get_by_role("button", name="Schools").click()
    expect(page.locator("#main-nav .dropdown-menu.show")).to_be_visible()
    findings.check(page, f"{page.url} (navigation open)")
    findings.check_phone(page)
    findings.items += _walk(page, live_server, pages_for(Role.SRO, world_a, rows), phone=True).items
    activity_form = live_server.url + reverse("officers:activity_create")
    submit_with_errors(page, findings, activity_form, "Save")
    findings.check_phone(page)
    incident_form = live_server.url + reverse("incidents:create")
    submit_with_errors(page, findings, incident_form, "Save the incident")
    context.close()
    assert_none(findings, page_problems)


def test_school_admin_pages_are_accessible(browser, live_server, page_problems, world_a):
    rows = seed(world_a)
    context, page = _signed_in(browser, live_server, page_problems, world_a, Role.SCHOOL)
    screenshot(page, "home-school-admin")
    findings = _walk(page, live_server, pages_for(Role.SCHOOL, world_a, rows))
    submit_with_errors(
        page, findings, live_server.url + reverse("presentations:request"), "Send the request"
    )
    context.close()
    assert_none(findings, page_problems)


# The pages a new agency's admin starts from, each with its empty state.
EMPTY_AGENCY_PAGES = [
    "dashboards:home",
    "dashboards:program",
    "schools:school_list",
    "schools:drill_list",
    "officers:assignment_list",
    "incidents:list",
    "payoff:list",
    "presentations:list",
    "presentations:topics",
    "reminders:list",
    "accounts:team",
]


def test_a_new_agency_s_empty_pages_are_accessible(browser, live_server, page_problems):
    """The agency admin of an agency with nothing in it yet: every list says what to do first."""
    admin = factories.UserFactory(role=Role.ADMIN, email="admin@new-agency.test")
    context, page = _new_context(browser, page_problems)
    sign_in(page, live_server, admin, enrol_totp(admin))
    screenshot(page, "home-agency-admin-new-agency")
    findings = _walk(page, live_server, [reverse(name) for name in EMPTY_AGENCY_PAGES])
    context.close()
    assert_none(findings, page_problems)


def test_pages_without_an_account_are_accessible(browser, live_server, page_problems, world_a):
    """Sign-in (and its errors), the code page (and its errors), enrolling in MFA, an invitation,
    a teacher's feedback link, the password reset and the page-not-found page."""
    rows = seed(world_a)
    findings = Findings()
    context, page = _new_context(browser, page_problems)
    user = world_a.supervisor
    secret = enrol_totp(user)
    page.goto(live_server.url + reverse("account_login"))
    findings.check(page)
    page.locator("input[name='login']").fill(user.email)
    page.locator("input[name='password']").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("main")).to_contain_text("not correct")
    findings.check_form_errors(page)
    sign_in_with_password(page, live_server, user.email)
    expect(page).to_have_url(path_of(reverse("mfa_authenticate")))
    findings.check(page)
    page.locator("input[name='code']").fill("000000")
    page.locator("main form").get_by_role("button").first.click()
    findings.check_form_errors(page)
    enter_code(page, secret)
    expect(page).to_have_url(path_of(reverse("dashboards:home")))
    context.close()

    # A member who has not enrolled yet is sent to the authenticator app's set-up page.
    context, page = _new_context(browser, page_problems)
    sign_in_with_password(page, live_server, world_a.school_admin.email)
    page.wait_for_load_state()
    findings.check(page, f"{page.url} (enrolling in two-factor authentication)")
    context.close()

    context, page = _new_context(browser, page_problems)
    paths = [
        reverse("account_reset_password"),
        reverse("accounts:invitation_accept", args=[invitation_token(rows.invitation)]),
        reverse("presentations:feedback", args=[feedback_token(rows.feedback)]),
    ]
    findings.items += _walk(page, live_server, paths).items
    submit_with_errors(page, findings, live_server.url + paths[2], "Send feedback")
    findings.error_pages.add(live_server.url + "/no-such-page/")
    page.goto(live_server.url + "/no-such-page/")
    findings.check(page, "the page-not-found page")
    context.close()
    assert_none(findings, page_problems)
