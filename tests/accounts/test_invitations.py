"""Invitations: the only way in. From the admin's form to the invitee's first MFA sign-in."""

import re
import time
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from schools.models import SchoolMembership
from sro_portal.accounts import services
from sro_portal.accounts.models import Invitation, Role, User
from sro_portal.accounts.tokens import invitation_token
from tests import factories
from tests.helpers import secret_from_page, signed_in, totp_code

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "violet-canoe-harbour-42"


def _invite(client, admin, capture, **data):
    signed_in(client, admin)
    with capture(execute=True):
        return client.post(reverse("accounts:invite"), data)


def _link_path(message) -> str:
    match = re.search(r"https?://[^/\s]+(/invitation/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_invitation_to_first_mfa_sign_in(client, world_a, django_capture_on_commit_callbacks):
    response = _invite(
        client,
        world_a.admin,
        django_capture_on_commit_callbacks,
        email="New.Officer@Example.test",
        full_name="New Officer",
        role=Role.SRO,
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.officer@example.test"]
    assert world_a.agency.name in message.subject

    invitee = client.__class__()
    link = _link_path(message)
    page = invitee.get(link)
    assert page.status_code == 200
    assert "Create your account" in page.text
    response = invitee.post(
        link, {"full_name": "New Officer", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.officer@example.test")
    assert (user.agency, user.role) == (world_a.agency, Role.SRO)
    assert EmailAddress.objects.filter(user=user, verified=True, primary=True).exists()

    # Signed in, but every page sends them to MFA enrolment first.
    assert invitee.get(reverse("dashboards:home")).url == "/accounts/2fa/"
    activate = invitee.get(reverse("mfa_activate_totp"))
    secret = secret_from_page(activate.text)
    response = invitee.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert invitee.get(reverse("dashboards:home")).status_code == 200

    # A fresh sign-in asks for the password, then for a code from the app.
    invitee.post(reverse("account_logout"))
    response = invitee.post(
        reverse("account_login"), {"login": user.email, "password": NEW_PASSWORD}
    )
    assert response.url == reverse("mfa_authenticate")
    with time_machine.travel(time.time() + 30, tick=False):  # a code not used before
        response = invitee.post(
            reverse("mfa_authenticate"), {"code": totp_code(secret, at=time.time())}
        )
        assert response.url == reverse("dashboards:home")
        home = invitee.get(reverse("dashboards:home"))
    assert home.status_code == 200
    assert "My schools today" in home.text


def test_school_admin_invitation_links_the_chosen_schools(
    client, world_a, django_capture_on_commit_callbacks
):
    _invite(
        client,
        world_a.admin,
        django_capture_on_commit_callbacks,
        email="principal@example.test",
        role=Role.SCHOOL,
        schools=[world_a.other_school.pk],
    )
    invitation = Invitation.objects.get(email="principal@example.test")
    user = services.invitation_accept(
        invitation=invitation, full_name="Principal", password=NEW_PASSWORD
    )
    assert list(SchoolMembership.objects.filter(user=user).values_list("school", flat=True)) == [
        world_a.other_school.pk
    ]


def test_the_email_names_no_one_but_the_invitee(
    client, world_a, django_capture_on_commit_callbacks
):
    _invite(
        client,
        world_a.admin,
        django_capture_on_commit_callbacks,
        email="x@example.test",
        full_name="Xavier Example",
        role=Role.SUPERVISOR,
    )
    message = mail.outbox[0]
    assert "Xavier" not in message.subject
    assert world_a.admin.full_name not in message.body


# --- Links that cannot be used -------------------------------------------------------------------


@pytest.fixture
def invitation(world_a):
    return factories.InvitationFactory(agency=world_a.agency, invited_by=world_a.admin)


def _accept(client, invitation_or_token):
    token = (
        invitation_or_token
        if isinstance(invitation_or_token, str)
        else invitation_token(invitation_or_token)
    )
    url = reverse("accounts:invitation_accept", args=[token])
    return client.post(
        url, {"full_name": "Someone", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )


def test_expired_link_is_refused_with_a_clear_page(client, invitation):
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = _accept(client, invitation)
    assert response.status_code == 410
    assert "expired" in response.text
    assert not User.objects.filter(email=invitation.email).exists()


def test_used_link_is_refused_the_second_time(client, invitation):
    assert _accept(client, invitation).status_code == 302
    other = client.__class__()
    response = _accept(other, invitation)
    assert response.status_code == 410
    assert "already used" in response.text
    assert User.objects.filter(email=invitation.email).count() == 1


def test_revoked_link_is_refused(client, world_a, invitation):
    services.invitation_revoke(actor=world_a.admin, invitation=invitation)
    response = _accept(client, invitation)
    assert response.status_code == 410
    assert "withdrawn" in response.text


@pytest.mark.parametrize(
    "token",
    ["abc", "x" * 500, "Im5vdC1hLWtleSI:1vQ:tampered", "%00%ff", "a:b:c:d"],
    ids=["short", "oversized", "bad-signature", "bytes", "colons"],
)
def test_malformed_tokens_get_a_clear_page_and_change_nothing(client, invitation, token):
    response = client.get(f"/invitation/{token}/")
    assert response.status_code == 404
    assert "not genuine" in response.text
    assert _accept(client, token).status_code == 404
    assert not User.objects.filter(email=invitation.email).exists()


def test_tampered_signature_of_a_real_key_is_refused(client, invitation):
    token = invitation_token(invitation)
    assert _accept(client, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")).status_code == 404


def test_sending_again_voids_the_old_link(client, world_a, invitation):
    old_token = invitation_token(invitation)
    services.invitation_resend(actor=world_a.admin, invitation=invitation)
    assert _accept(client, old_token).status_code == 404
    invitation.refresh_from_db()
    assert _accept(client, invitation_token(invitation)).status_code == 302


def test_signup_is_closed(client):
    page = client.get(reverse("account_signup"))
    assert "Sign Up Closed" in page.text or "closed" in page.text.lower()
    client.post(
        reverse("account_signup"),
        {"email": "walk-in@example.test", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert not User.objects.filter(email="walk-in@example.test").exists()


# --- Bad input and forged posts ------------------------------------------------------------------


def _invite_form(client, world, **data):
    signed_in(client, world.admin)
    return client.post(reverse("accounts:invite"), {"email": "new@example.test", **data})


def test_school_of_another_agency_is_refused(client, world_a, world_b):
    response = _invite_form(client, world_a, role=Role.SCHOOL, schools=[world_b.school.pk])
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("role", ["superuser", "platform", "", "ADMIN"])
def test_unknown_role_is_refused(client, world_a, role):
    response = _invite_form(client, world_a, role=role)
    assert response.status_code == 200
    assert 'id="error_1_id_role"' in response.text or "is-invalid" in response.text
    assert not Invitation.objects.exists()


def test_school_admin_needs_a_school(client, world_a):
    response = _invite_form(client, world_a, role=Role.SCHOOL)
    assert "Choose at least one school" in response.text
    assert not Invitation.objects.exists()


def test_oversized_fields_get_field_errors(client, world_a):
    response = _invite_form(
        client, world_a, role=Role.SRO, full_name="N" * 151, email="a" * 250 + "@example.test"
    )
    assert response.status_code == 200
    assert response.text.count("is-invalid") >= 2
    assert not Invitation.objects.exists()


def test_email_with_an_account_is_refused(client, world_a, world_b):
    response = _invite_form(client, world_a, role=Role.SRO, email=world_b.sro.email.upper())
    assert "already has an account" in response.text
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.SRO, Role.SCHOOL])
def test_only_agency_admins_invite(client, world_a, role):
    signed_in(client, world_a.users[role])
    response = client.post(reverse("accounts:invite"), {"email": "x@example.test", "role": "admin"})
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_two_accepts_at_once_make_one_account(invitation):
    services.invitation_accept(invitation=invitation, full_name="A", password=NEW_PASSWORD)
    with pytest.raises(services.InvitationUnavailable):
        services.invitation_accept(invitation=invitation, full_name="B", password=NEW_PASSWORD)
    assert User.objects.filter(email=invitation.email).count() == 1


def test_weak_password_is_refused_next_to_the_field(client, invitation):
    url = reverse("accounts:invitation_accept", args=[invitation_token(invitation)])
    response = client.post(url, {"full_name": "A", "password1": "12345", "password2": "12345"})
    assert response.status_code == 200
    assert "too short" in response.text
    assert not User.objects.filter(email=invitation.email).exists()
