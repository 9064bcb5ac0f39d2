"""Sessions: 30 minutes idle and 12 hours in all; a recent authentication before exports,
disclosures, role, assignment and MFA changes; users see and end their own sessions."""

import time
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.urls import reverse

from incidents.models import Disclosure
from officers.models import Assignment
from sro_portal.accounts.models import Role
from sro_portal.dashboards.models import ReportFile
from tests import factories
from tests.helpers import authenticated_now, enrol_totp, sign_in, signed_in

pytestmark = pytest.mark.django_db

MINUTE = 60
HOME = "dashboards:home"


def _redirected(response, path: str, next_url: str) -> bool:
    """Whether `response` sends the browser to `path?next=<next_url>`."""
    if response.status_code != 302:
        return False
    parts = urlsplit(response.url)
    return parts.path == path and parse_qs(parts.query) == {"next": [next_url]}


def _signed_out_to_login(response, next_url: str) -> bool:
    return _redirected(response, reverse("account_login"), next_url)


# --- Idle and absolute limits -------------------------------------------------------------------


def test_a_session_idle_for_30_minutes_ends(client, world_a):
    start = time.time()
    with time_machine.travel(start, tick=False) as clock:
        signed_in(client, world_a.sro)
        clock.shift(29 * MINUTE)
        assert client.get(reverse(HOME)).status_code == 200
        clock.shift(29 * MINUTE)  # 58 minutes after signing in, 29 after the last page
        assert client.get(reverse(HOME)).status_code == 200
        key = client.session.session_key

        clock.shift(31 * MINUTE)
        response = client.get(reverse("officers:student_list"))

    assert _signed_out_to_login(response, reverse("officers:student_list"))
    assert not Session.objects.filter(session_key=key).exists()
    page = client.get(response.url)
    assert "signed out after 30 minutes without activity" in page.text


def test_a_session_ends_12_hours_after_signing_in_however_active(client, world_a):
    start = time.time()
    with time_machine.travel(start, tick=False) as clock:
        signed_in(client, world_a.sro)
        for _step in range(28):  # a page every 25 minutes, for 11 h 40
            clock.shift(25 * MINUTE)
            assert client.get(reverse(HOME)).status_code == 200
        clock.shift(21 * MINUTE)  # 12 h 01 after signing in, 21 minutes after the last page
        response = client.get(reverse(HOME))

    assert _signed_out_to_login(response, reverse(HOME))
    assert "12 hours after signing in" in client.get(response.url).text


@pytest.mark.parametrize(
    ("idle_timeout", "age", "pages_every", "said"),
    [
        # Idle for two minutes against a one-minute timeout.
        (MINUTE, 12 * 60 * MINUTE, 2 * MINUTE, "signed out after 1 minute without activity"),
        # A page every 25 minutes (never idle for 30), past a one-hour session.
        (30 * MINUTE, 60 * MINUTE, 25 * MINUTE, "signed out 1 hour after signing in"),
    ],
)
def test_the_sign_out_reason_counts_one_minute_and_one_hour(
    client, world_a, idle_timeout, age, pages_every, said
):
    start = time.time()
    with (
        override_settings(SESSION_IDLE_TIMEOUT=idle_timeout, SESSION_COOKIE_AGE=age),
        time_machine.travel(start, tick=False) as clock,
    ):
        signed_in(client, world_a.sro)
        for _step in range(5):  # the session ends by the third page
            clock.shift(pages_every)
            response = client.get(reverse(HOME))
            if response.status_code != 200:
                break
        assert _signed_out_to_login(response, reverse(HOME))
        assert said in client.get(response.url).text


def test_an_htmx_request_of_an_expired_session_sends_the_whole_page_to_sign_in(client, world_a):
    start = time.time()
    with time_machine.travel(start, tick=False) as clock:
        signed_in(client, world_a.supervisor)
        clock.shift(31 * MINUTE)
        response = client.get(reverse("dashboards:program"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("account_login")


def test_signing_in_again_starts_both_clocks_afresh(client, world_a):
    secret = enrol_totp(world_a.sro)
    start = time.time()
    with time_machine.travel(start, tick=False) as clock:
        sign_in(client, world_a.sro, factories.PASSWORD, secret, at=start)
        clock.shift(40 * MINUTE)
        assert _signed_out_to_login(client.get(reverse(HOME)), reverse(HOME))
        sign_in(client, world_a.sro, factories.PASSWORD, secret, at=start + 40 * MINUTE)
        assert client.get(reverse(HOME)).status_code == 200


def _report_file(world, **fields):
    return ReportFile.objects.create(
        agency=world.agency,
        year_start=date(2025, 9, 1),
        language="en",
        requested_by=world.supervisor,
        **fields,
    )


def test_htmx_polling_a_report_s_status_does_not_keep_the_session_alive(client, world_a):
    url = reverse("dashboards:report_file", args=[_report_file(world_a).pk])
    poll = {"HX-Request": "true"}
    start = time.time()
    with time_machine.travel(start, tick=False) as clock:
        signed_in(client, world_a.supervisor)
        assert client.get(url).status_code == 200  # opening the page is activity
        for _ in range(10):  # the page left open, polling, for 30 minutes
            clock.shift(3 * MINUTE)
            assert client.get(url, headers=poll).status_code == 200
        clock.shift(1 * MINUTE)
        response = client.get(url, headers=poll)
    assert response["HX-Redirect"] == reverse("account_login")


def test_htmx_requests_the_user_makes_are_activity(client, world_a):
    start = time.time()
    with time_machine.travel(start, tick=False) as clock:
        signed_in(client, world_a.supervisor)
        for _ in range(3):
            clock.shift(20 * MINUTE)
            page = client.get(reverse("dashboards:program"), headers={"HX-Request": "true"})
            # Still signed in: the fragment itself, not htmx's redirect to the sign-in page.
            assert page.status_code == 200 and "HX-Redirect" not in page
            assert 'id="dashboard-body"' in page.text


# --- Re-authentication --------------------------------------------------------------------------


def _disclosure_case(world):
    incident = factories.IncidentFactory(school=world.school, recorded_by=world.sro)
    url = reverse("incidents:disclosure_create", args=[incident.pk])
    data = {"recipient": world.school_admin.pk, "ground": "safety", "text": "Stay away."}
    return world.sro, url, data, lambda: Disclosure.objects.exists()


def _role_change_case(world):
    url = reverse("accounts:member_edit", args=[world.supervisor.pk])
    data = {"full_name": "Sam Super", "role": Role.ADMIN}

    def changed():
        world.supervisor.refresh_from_db()
        return world.supervisor.role == Role.ADMIN

    return world.admin, url, data, changed


def _deactivation_case(world):
    url = reverse("accounts:member_deactivate", args=[world.sro.pk])

    def changed():
        world.sro.refresh_from_db()
        return not world.sro.is_active

    return world.admin, url, {}, changed


def _assignment_case(world):
    url = reverse("officers:assignment_create")
    data = {
        "officer": world.sro.pk,
        "school": world.other_school.pk,
        "kind": "backup",
        "starts_on": world.agency.today().isoformat(),
        "ends_on": "",
    }
    return world.admin, url, data, lambda: Assignment.objects.count() == 2


def _assignment_edit_case(world):
    assignment = Assignment.objects.get(officer=world.sro)
    url = reverse("officers:assignment_edit", args=[assignment.pk])
    ends_on = world.agency.today() + timedelta(days=30)
    data = {
        "officer": world.sro.pk,
        "school": world.school.pk,
        "kind": "primary",
        "starts_on": assignment.starts_on.isoformat(),
        "ends_on": ends_on.isoformat(),
    }

    def changed():
        assignment.refresh_from_db()
        return assignment.ends_on == ends_on

    return world.admin, url, data, changed


def _annual_report_case(world):
    # Starts the annual report's PDF (its download is tests/dashboards/test_report.py's).
    url = reverse("dashboards:report_start") + "?year=2025"
    return world.admin, url, {}, lambda: ReportFile.objects.exists()


CHANGES = {
    "disclosure": _disclosure_case,
    "role change": _role_change_case,
    "deactivation": _deactivation_case,
    "assignment": _assignment_case,
    "assignment change": _assignment_edit_case,
    "annual report PDF": _annual_report_case,
}


def _stale(client, user):
    """Signed in 11 minutes ago: longer than ACCOUNT_REAUTHENTICATION_TIMEOUT."""
    signed_in(client, user)
    return authenticated_now(client, user, at=time.time() - 11 * MINUTE)


def _sent_to_reauthenticate(response, url: str) -> bool:
    return _redirected(response, reverse("account_reauthenticate"), url)


@pytest.mark.parametrize("case", CHANGES.values(), ids=CHANGES.keys())
def test_a_change_asks_for_the_password_again_after_10_minutes(client, world_a, case):
    user, url, data, changed = case(world_a)
    _stale(client, user)

    response = client.post(url, data)

    # Back to the bare path: the query string travels in the suspended POST (accounts.decorators).
    assert _sent_to_reauthenticate(response, urlsplit(url).path)
    assert not changed()


@pytest.mark.parametrize("case", CHANGES.values(), ids=CHANGES.keys())
def test_a_change_goes_through_after_re_authenticating(client, world_a, case):
    user, url, data, changed = case(world_a)
    _stale(client, user)
    response = client.post(url, data)

    # The password on allauth's page; the suspended POST is then replayed.
    response = client.post(response.url, {"password": factories.PASSWORD})

    assert response.status_code == 302
    assert not response.url.startswith(reverse("account_reauthenticate"))
    assert changed()


@pytest.mark.parametrize("case", CHANGES.values(), ids=CHANGES.keys())
def test_a_change_right_after_signing_in_asks_nothing(client, world_a, case):
    user, url, data, changed = case(world_a)
    signed_in(client, user)
    client.post(url, data)
    assert changed()


def test_a_change_form_is_shown_without_re_authenticating(client, world_a):
    # Only acting asks: the admin may look at a member's form.
    _stale(client, world_a.admin)
    url = reverse("accounts:member_edit", args=[world_a.supervisor.pk])
    assert client.get(url).status_code == 200


EXPORTS = {
    "dashboard CSV": (
        Role.SUPERVISOR,
        lambda: reverse("dashboards:export", args=["coverage", "schools"]),
    ),
}


@pytest.mark.parametrize(("role", "url"), EXPORTS.values(), ids=EXPORTS.keys())
def test_an_export_asks_for_the_password_again_after_10_minutes(client, world_a, role, url):
    _stale(client, world_a.users[role])
    response = client.get(url())
    assert _sent_to_reauthenticate(response, url())

    response = client.post(response.url, {"password": factories.PASSWORD})
    assert response.status_code == 302 and response.url == url()
    assert client.get(url()).status_code == 200


def test_downloading_the_annual_report_asks_for_the_password_again(client, world_a):
    url = reverse("dashboards:report_file_download", args=[_report_file(world_a).pk])
    _stale(client, world_a.admin)
    assert _sent_to_reauthenticate(client.get(url), url)


def test_a_wrong_password_does_not_re_authenticate(client, world_a):
    _stale(client, world_a.supervisor)
    url = reverse("dashboards:export", args=["coverage", "schools"])
    reauthenticate = client.get(url).url
    response = client.post(reauthenticate, {"password": "not-the-password"})
    assert response.status_code == 200
    assert _sent_to_reauthenticate(client.get(url), url)


@pytest.mark.parametrize(
    "url_name", ["mfa_deactivate_totp", "mfa_generate_recovery_codes", "mfa_add_webauthn"]
)
def test_mfa_changes_ask_for_the_password_even_right_after_signing_in(client, world_a, url_name):
    # allauth's own rule for MFA pages (MFA_REAUTHENTICATION_REQUIRED): only a re-authentication
    # counts, not the sign-in.
    signed_in(client, world_a.sro)
    response = client.get(reverse(url_name))
    assert _sent_to_reauthenticate(response, reverse(url_name))


# --- Seeing and ending one's sessions -----------------------------------------------------------


def test_the_sessions_page_is_in_the_user_menu_and_ends_the_other_sessions(client, world_a):
    secret = enrol_totp(world_a.sro)
    phone = client.__class__()
    now = time.time()
    for offset, device in ((0, phone), (30, client)):
        with time_machine.travel(now + offset, tick=False):
            sign_in(device, world_a.sro, factories.PASSWORD, secret, at=now + offset)

    home = client.get(reverse(HOME)).text
    sessions_url = reverse("usersessions_list")
    assert f'href="{sessions_url}"' in home
    page = client.get(sessions_url)
    assert page.status_code == 200
    assert 'class="navbar' in page.text  # the portal's layout, not allauth's bare page
    assert page.text.count("<tr") >= 3  # a header row and one row per session

    client.post(sessions_url)

    assert _signed_out_to_login(phone.get(reverse(HOME)), reverse(HOME))
    assert client.get(reverse(HOME)).status_code == 200
