"""Abuse limits: searches, exports and token links per user (or token) and per IP, answered with
a clear 429 page; sign-in limits that a forged X-Forwarded-For does not lift."""

import time
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from presentations.tokens import feedback_token
from sro_portal.calendars.services import feed_create_or_rotate
from sro_portal.calendars.tokens import feed_token
from sro_portal.core import ratelimit
from tests import factories
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

USER_HITS, IP_HITS = 3, 5


@pytest.fixture(autouse=True)
def small_limits(settings):
    """The limits of settings.py, made small enough to reach in a few requests."""
    settings.PORTAL_RATE_LIMITS = {
        action: {"user": (USER_HITS, 60), "ip": (IP_HITS, 60)}
        for action in ("search", "export", "token", "csp_report")
    }


@pytest.fixture(autouse=True)
def one_window(monkeypatch):
    """Every request of a test counted in the same window: the limits count in fixed windows
    (sro_portal/core/ratelimit.py), and a test that crossed a minute's boundary saw its counts
    start again (a CI run failed so: a 302 where the sixth search from one address was 429)."""
    now = time.time()
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: now))


def _from(ip: str) -> Client:
    return Client(REMOTE_ADDR=ip)


def _is_the_429_page(response) -> bool:
    return (
        response.status_code == 429
        and response["Retry-After"] == "60"
        and "Too many requests in a short time" in response.text
        and "Wait a minute, then try again." in response.text
    )


# --- Searches and exports, per user and per IP -------------------------------------------------

SEARCHES = ["incidents:list", "officers:student_list"]


@pytest.mark.parametrize("url_name", SEARCHES)
def test_a_user_s_searches_are_limited(world_a, url_name):
    client = signed_in(_from("198.51.100.1"), world_a.sro)
    url = reverse(url_name)
    for _ in range(USER_HITS):
        assert client.post(url, {"q": "Smith"}).status_code == 302
    assert _is_the_429_page(client.post(url, {"q": "Smith"}))
    # Looking at the list (a GET) is not a search; another user is not held back.
    assert client.get(url).status_code == 200
    other = signed_in(_from("198.51.100.2"), world_a.supervisor)
    assert other.post(url, {"q": "Smith"}).status_code == 302


@pytest.mark.parametrize("url_name", SEARCHES)
def test_searches_of_several_users_from_one_address_are_limited(world_a, world_b, url_name):
    url = reverse(url_name)
    users = [world_a.sro, world_a.supervisor, world_b.sro, world_b.admin]
    answers = []
    for user in users:
        client = signed_in(_from("198.51.100.3"), user)
        answers += [client.post(url, {"q": "Smith"}).status_code for _ in range(2)]
    assert answers == [302] * IP_HITS + [429] * (len(answers) - IP_HITS)


def test_exports_are_limited_per_user(world_a):
    client = signed_in(_from("198.51.100.4"), world_a.supervisor)
    url = reverse("dashboards:export", args=["coverage", "schools"])
    for _ in range(USER_HITS):
        assert client.get(url).status_code == 200
    assert _is_the_429_page(client.get(url))


# --- Token links, per token and per IP ----------------------------------------------------------


def _token_links(world) -> dict[str, str]:
    feedback = factories.FeedbackFactory(presentation__school=world.school)
    feed = feed_create_or_rotate(user=world.sro)
    return {
        "feedback": reverse("presentations:feedback", args=[feedback_token(feedback)]),
        "calendar": reverse("calendars:feed", kwargs={"token": feed_token(feed)}),
    }


def test_a_token_link_is_limited_per_token(world_a):
    for name, url in _token_links(world_a).items():
        for attempt in range(USER_HITS):
            # Each from its own address: the token's own budget is what runs out.
            assert _from(f"203.0.113.{attempt}").get(url).status_code == 200, name
        assert _is_the_429_page(_from("203.0.113.99").get(url)), name


def test_guessing_tokens_from_one_address_is_limited(db):
    client = _from("203.0.113.50")
    answers = [
        client.get(reverse("presentations:feedback", args=[f"guess-{n}"])).status_code
        for n in range(IP_HITS + 2)
    ]
    assert answers == [404] * IP_HITS + [429, 429]


def test_rotating_addresses_within_one_ipv6_network_does_not_lift_the_limit(db):
    answers = [
        _from(f"2001:db8:1:2::{n + 1:x}")
        .get(reverse("presentations:feedback", args=[f"guess-{n}"]))
        .status_code
        for n in range(IP_HITS + 1)
    ]
    assert answers == [404] * IP_HITS + [429]


def test_a_forged_x_forwarded_for_does_not_lift_the_limits(db, settings):
    """Behind no proxy (TRUSTED_PROXY_COUNT=0) the header is not read at all."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    client = _from("203.0.113.60")
    answers = [
        client.get(
            reverse("presentations:feedback", args=[f"guess-{n}"]),
            headers={"X-Forwarded-For": f"10.0.0.{n}"},
        ).status_code
        for n in range(IP_HITS + 1)
    ]
    assert answers[-1] == 429


# --- Signing in ---------------------------------------------------------------------------------

LOGIN_IP_HITS = 10  # ACCOUNT_RATE_LIMITS: "10/m/ip"
TOO_MANY = "Too many failed login attempts."


def _failed_logins(client, count: int, *, forwarded=lambda n: None) -> list[bool]:
    """`count` sign-ins with wrong passwords, each for a different address (so the per-account
    limit never applies) and with the X-Forwarded-For `forwarded(n)` gives; for each, whether
    it was refused as one too many."""
    refused = []
    for n in range(count):
        header = forwarded(n)
        response = client.post(
            reverse("account_login"),
            {"login": f"someone{n}@example.org", "password": "wrong-password"},
            headers={"X-Forwarded-For": header} if header else {},
        )
        assert response.status_code == 200
        refused.append(TOO_MANY in response.text)
    return refused


def test_rotating_x_forwarded_for_does_not_lift_the_login_limit_without_a_proxy(db, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    client = _from("192.0.2.10")
    refused = _failed_logins(client, LOGIN_IP_HITS + 2, forwarded=lambda n: f"10.1.0.{n}")
    assert refused == [False] * LOGIN_IP_HITS + [True, True]


def test_behind_one_proxy_only_the_address_it_saw_counts(db, settings):
    """Production: one proxy appends the address it saw; what the client wrote before it is
    ignored, however it changes."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = _from("10.0.0.2")  # every request arrives from the proxy
    refused = _failed_logins(
        proxy, LOGIN_IP_HITS + 2, forwarded=lambda n: f"10.1.0.{n}, 198.51.100.77"
    )
    assert refused == [False] * LOGIN_IP_HITS + [True, True]
    # Another client behind the same proxy is not held back.
    assert _failed_logins(proxy, 1, forwarded=lambda n: "198.51.100.78") == [False]


def test_too_many_sign_in_posts_get_the_portal_s_429_page(db, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    client = _from("192.0.2.11")
    _failed_logins(client, 3)
    response = client.post(
        reverse("account_login"), {"login": "late@example.org", "password": "wrong-password"}
    )
    assert _is_the_429_page(response)
