"""Headers: a strict Content-Security-Policy with a report endpoint, Referrer-Policy, COOP, and no
cache keeping any page a signed-in user (or a token link) was shown. Production-only settings
(HSTS, __Host- cookies) are checked in tests/core/test_deployment.py."""

import json
import logging

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from presentations.tokens import feedback_token
from sro_portal.accounts.tokens import invitation_token
from sro_portal.calendars.services import feed_create_or_rotate
from sro_portal.calendars.tokens import feed_token
from tests import factories
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


# --- Content-Security-Policy and the other headers ----------------------------------------------


def test_the_policy_is_strict(client, world_a):
    signed_in(client, world_a.supervisor)
    csp = _directives(client.get(reverse("dashboards:program")))

    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"][0] == "'self'" and csp["script-src"][1].startswith("'nonce-")
    assert csp["style-src"] == ["'self'"]
    everything = [value for values in csp.values() for value in values]
    assert not [value for value in everything if "unsafe" in value]
    assert csp["report-uri"] == [reverse("csp_report")]


@pytest.mark.parametrize("signed", [True, False])
def test_referrer_policy_coop_nosniff_and_no_framing_on_every_page(client, world_a, signed):
    if signed:
        signed_in(client, world_a.sro)
    response = client.get(reverse("dashboards:home") if signed else reverse("account_login"))
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response


# --- Cache-Control: no-store --------------------------------------------------------------------


SIGNED_IN_PAGES = [
    "dashboards:home",
    "dashboards:program",
    "incidents:list",
    "officers:student_list",
    "payoff:list",
    "usersessions_list",
]


@pytest.mark.parametrize("url_name", SIGNED_IN_PAGES)
def test_every_page_shown_to_a_signed_in_user_is_no_store(client, world_a, url_name):
    signed_in(client, world_a.admin)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_htmx_fragments_redirects_and_errors_to_a_signed_in_user_are_no_store(client, world_a):
    signed_in(client, world_a.supervisor)
    fragment = client.get(reverse("dashboards:program"), headers={"HX-Request": "true"})
    redirect = client.post(reverse("officers:student_list"), {"q": "Smith"})
    missing = client.get(reverse("incidents:detail", args=[999999]))
    assert (fragment.status_code, redirect.status_code, missing.status_code) == (200, 302, 404)
    for response in (fragment, redirect, missing):
        assert "no-store" in response["Cache-Control"]


def _token_pages(world) -> dict[str, str]:
    feedback = factories.FeedbackFactory(presentation__school=world.school)
    invitation = factories.InvitationFactory(agency=world.agency, invited_by=world.admin)
    feed = feed_create_or_rotate(user=world.sro)
    return {
        "feedback": reverse("presentations:feedback", args=[feedback_token(feedback)]),
        "invitation": reverse("accounts:invitation_accept", args=[invitation_token(invitation)]),
        "calendar": reverse("calendars:feed", kwargs={"token": feed_token(feed)}),
    }


def test_pages_opened_by_a_token_link_are_no_store(client, world_a):
    for name, url in _token_pages(world_a).items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert "no-store" in response["Cache-Control"], name


# --- The CSP report endpoint --------------------------------------------------------------------


REPORT = {
    "csp-report": {
        "document-uri": "https://sro.example.org/incidents/12/?student=Jane+Doe",
        "referrer": "",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "original-policy": "default-src 'self'",
        "blocked-uri": "https://evil.example.com/x.js?session=abc",
        "line-number": 14,
        "script-sample": "alert('Jane Doe')",
        "status-code": 200,
    }
}


def _post_report(client, body, content_type="application/csp-report"):
    return client.post(reverse("csp_report"), body, content_type=content_type)


def test_a_report_is_logged_in_one_compact_line_without_page_content(caplog, db):
    browser = Client(enforce_csrf_checks=True)  # no token: browsers send none
    with caplog.at_level(logging.WARNING, logger="sro_portal.core.views"):
        response = _post_report(browser, json.dumps(REPORT))

    assert response.status_code == 204
    [record] = caplog.records
    line = record.getMessage()
    assert line == (
        "CSP violation: effective-directive=script-src-elem violated-directive=script-src-elem "
        "blocked-uri=https://evil.example.com line-number=14 page=/incidents/12/"
    )
    assert "Jane" not in line and "session=" not in line


def test_a_line_break_in_a_report_cannot_forge_log_lines(caplog, db):
    forged = {"csp-report": {**REPORT["csp-report"]}}
    forged["csp-report"]["violated-directive"] = "x\nERROR django: forged\r\nline"
    with caplog.at_level(logging.WARNING, logger="sro_portal.core.views"):
        _post_report(Client(), json.dumps(forged))
    [record] = caplog.records
    line = record.getMessage()
    assert "\n" not in line and "\r" not in line
    assert "violated-directive=x ERROR django: forged line" in line


def test_a_reporting_api_report_is_read_too(caplog, db):
    body = [
        {
            "type": "csp-violation",
            "url": "https://sro.example.org/payoff/3/",
            "body": {
                "documentURL": "https://sro.example.org/payoff/3/?x=1",
                "effectiveDirective": "style-src-attr",
                "blockedURL": "inline",
                "sample": "color: red",
            },
        }
    ]
    with caplog.at_level(logging.WARNING, logger="sro_portal.core.views"):
        response = _post_report(Client(), json.dumps(body), "application/reports+json")
    assert response.status_code == 204
    [record] = caplog.records
    assert "effective-directive=style-src-attr" in record.getMessage()
    assert "page=/payoff/3/" in record.getMessage()
    assert "color" not in record.getMessage()


@pytest.mark.parametrize(
    "body",
    ["not json", "[]", '{"csp-report": "text"}', "{}", '"x"', "1e999", "{" * 5000, "[" * 16000],
)
def test_a_malformed_report_is_ignored_quietly(client, caplog, body):
    with caplog.at_level(logging.WARNING, logger="sro_portal.core.views"):
        assert _post_report(client, body).status_code == 204
    assert caplog.records == []


def test_an_oversized_report_is_not_read(client, caplog):
    huge = {"csp-report": {**REPORT["csp-report"], "script-sample": "x" * 20_000}}
    with caplog.at_level(logging.WARNING, logger="sro_portal.core.views"):
        assert _post_report(client, json.dumps(huge)).status_code == 204
    assert caplog.records == []


def test_the_report_endpoint_takes_posts_only(client, db):
    assert client.get(reverse("csp_report")).status_code == 405


def test_the_report_endpoint_is_rate_limited_per_ip(db):
    hits, _seconds = settings.PORTAL_RATE_LIMITS["csp_report"]["ip"]
    browser = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(hits):
        assert _post_report(browser, json.dumps(REPORT)).status_code == 204
    assert _post_report(browser, json.dumps(REPORT)).status_code == 429
    # Another address is not held back.
    assert _post_report(Client(REMOTE_ADDR="203.0.113.8"), json.dumps(REPORT)).status_code == 204
