"""Helpers for signing in as a real user would end up: with MFA enrolled."""

import re
import time

from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, generate_totp_secret, hotp_value


def enrol_totp(user) -> str:
    """Give `user` a TOTP authenticator, stored as allauth stores it; returns the secret."""
    secret = generate_totp_secret()
    Authenticator.objects.create(
        user=user,
        type=Authenticator.Type.TOTP,
        data={"secret": get_mfa_adapter().encrypt(secret)},
    )
    return secret


def totp_code(secret: str, *, at: float | None = None) -> str:
    """The code an authenticator app shows at time `at` (now by default)."""
    counter = int(at if at is not None else time.time()) // 30
    return format_hotp_value(hotp_value(secret, counter))


def signed_in(client, user):
    """`client` signed in as `user`, who has enrolled in MFA, just now (as allauth records a
    sign-in: pages that ask for a recent authentication let them in for a few minutes)."""
    if not Authenticator.objects.filter(user=user).exists():
        enrol_totp(user)
    client.force_login(user)
    return authenticated_now(client, user)


def authenticated_now(client, user, *, at: float | None = None):
    """Record in `client`'s session that `user` gave their password and MFA code at `at` (now
    by default), as allauth's sign-in and re-authentication pages do."""
    when = time.time() if at is None else at
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": when, "email": user.email},
        {"method": "mfa", "at": when, "type": "totp"},
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()
    return client


def secret_from_page(html: str) -> str:
    """The TOTP secret allauth shows on its activation page (the text under the QR code)."""
    match = re.search(r'value="([A-Z2-7]{32})"', html) or re.search(r"\b([A-Z2-7]{32})\b", html)
    assert match, "no TOTP secret on the activation page"
    return match.group(1)


def sign_in(client, user, password: str, secret: str, *, at: float) -> None:
    """Sign in through allauth's real pages: password, then the app's code at time `at`.

    Each code is accepted once, so two sign-ins in one test need `at` 30 seconds apart
    (with time_machine travelling there).
    """
    from django.urls import reverse

    response = client.post(reverse("account_login"), {"login": user.email, "password": password})
    assert response.url == reverse("mfa_authenticate"), response
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret, at=at)})
    assert response.url == reverse("dashboards:home"), response


def agency_form(**extra):
    """The platform admin's "add agency" form for Riverside Police Service, with `extra`."""
    return {
        "name": "Riverside Police Service",
        "slug": "riverside",
        "time_zone": "America/Edmonton",
        "school_year_start_month": 9,
        "school_year_start_day": 1,
        "second_term_start_month": 2,
        "second_term_start_day": 1,
        "school_year_end_month": 6,
        "school_year_end_day": 30,
        "is_active": "on",
        **extra,
    }
