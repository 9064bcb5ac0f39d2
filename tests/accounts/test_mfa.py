"""MFA is required of everyone, stored encrypted, and guessing codes is rate limited."""

import json

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.urls import get_resolver, reverse

from sro_portal.accounts.models import Role
from tests import factories
from tests.helpers import enrol_totp, signed_in, totp_code
from tests.test_tenancy import OUR_PACKAGES, _walk

pytestmark = pytest.mark.django_db


def _pages_without_arguments():
    """Every page of ours that takes no argument: all of them demand MFA enrolment, except the
    few the middleware leaves open (the health check, choosing a language)."""
    return sorted(
        name
        for name, pattern in _walk(get_resolver().url_patterns)
        if pattern.callback.__module__.startswith(OUR_PACKAGES)
        and not pattern.pattern.converters
        and name not in OPEN_PAGES
    )


# Written out here, not imported from the middleware: a page added to its open list by mistake
# must fail this test.
OPEN_PAGES = {"healthz", "accounts:language", "csp_report"}


PAGES = _pages_without_arguments()


def test_the_page_list_is_not_empty():
    assert {"dashboards:home", "accounts:team", "schools:drill_list"} <= set(PAGES)


@pytest.mark.parametrize("url_name", PAGES)
def test_user_without_mfa_is_sent_to_enrolment_from_every_page(client, world_a, url_name):
    client.force_login(world_a.admin)
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response.url == reverse("mfa_index")


def test_enrolment_pages_and_sign_out_stay_reachable(client, world_a):
    client.force_login(world_a.sro)
    assert client.get(reverse("mfa_index")).status_code == 200
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_htmx_requests_are_redirected_with_hx_redirect(client, world_a):
    client.force_login(world_a.sro)
    response = client.get(reverse("dashboards:home"), headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == reverse("mfa_index")


def test_platform_staff_must_enrol_too(client, django_user_model):
    staff = django_user_model.objects.create_superuser("staff@platform.test", "x" * 16)
    client.force_login(staff)
    assert client.get("/admin/").url == reverse("mfa_index")


def test_requirement_can_be_turned_off_for_the_local_demo(client, world_a, settings):
    settings.MFA_REQUIRED = False
    client.force_login(world_a.sro)
    assert client.get(reverse("dashboards:home")).status_code == 200


def test_totp_secret_is_encrypted_at_rest(world_a):
    secret = enrol_totp(world_a.sro)
    authenticator = Authenticator.objects.get(user=world_a.sro)
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator WHERE id = %s", [authenticator.pk])
        raw = cursor.fetchone()[0]
    stored = json.dumps(raw) if not isinstance(raw, str) else raw
    assert secret not in stored
    assert "fernet:" in stored
    assert authenticator.wrap().validate_code(totp_code(secret))


def test_wrong_code_six_times_is_limited(client, world_a):
    secret = enrol_totp(world_a.sro)
    client.post(
        reverse("account_login"), {"login": world_a.sro.email, "password": factories.PASSWORD}
    )
    wrong = f"{(int(totp_code(secret)) + 1) % 1_000_000:06d}"
    for _ in range(5):
        page = client.post(reverse("mfa_authenticate"), {"code": wrong})
        assert "Incorrect code" in page.text
    page = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert "Too many failed login attempts" in page.text
    # Even the right code is refused while limited.
    page = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert page.status_code == 200
    assert "_auth_user_id" not in client.session


def test_last_authenticator_cannot_be_removed(client, world_a):
    signed_in(client, world_a.sro)
    authenticator = Authenticator.objects.get(user=world_a.sro)
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": 9e12, "reauthenticated": True}
    ]
    session["account_authentication_methods_user"] = str(world_a.sro.pk)
    session.save()
    client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(pk=authenticator.pk).exists()


@pytest.mark.parametrize("role", Role.values)
def test_every_role_reaches_its_home_after_mfa(client, world_a, role):
    signed_in(client, world_a.users[role])
    assert client.get(reverse("dashboards:home")).status_code == 200
