"""Team management by agency admins: roles, schools, deactivation."""

import time

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.urls import reverse

from schools.models import SchoolMembership
from sro_portal.accounts.models import Invitation, Role
from tests import factories
from tests.helpers import enrol_totp, sign_in, signed_in

pytestmark = pytest.mark.django_db


def test_team_page_lists_own_agency_only(client, world_a, world_b):
    signed_in(client, world_a.admin)
    factories.InvitationFactory(agency=world_b.agency, email="bravo-invitee@example.test")
    page = client.get(reverse("accounts:team"))
    assert page.status_code == 200
    for user in world_a.users.values():
        assert user.email in page.text
    for user in world_b.users.values():
        assert user.email not in page.text
    assert "bravo-invitee" not in page.text


def test_team_page_query_count_does_not_grow_with_members(
    client, world_a, django_assert_max_num_queries
):
    signed_in(client, world_a.admin)
    for _ in range(20):
        factories.SchoolMembershipFactory(school=world_a.school)
        invitation = factories.InvitationFactory(agency=world_a.agency)
        invitation.schools.add(world_a.school)
    client.get(reverse("accounts:team"))  # the session's first request records the session
    # session, user, MFA check, members, memberships, schools, invitations, their schools.
    with django_assert_max_num_queries(9):
        assert client.get(reverse("accounts:team")).status_code == 200


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.SRO, Role.SCHOOL])
def test_team_pages_are_for_agency_admins(client, world_a, role):
    signed_in(client, world_a.users[role])
    assert client.get(reverse("accounts:team")).status_code == 403
    assert client.get(reverse("accounts:invite")).status_code == 403
    # Another member's page answers 404: the same answer as for a missing id.
    url = reverse("accounts:member_edit", args=[world_a.sro.pk])
    assert client.post(url, {"role": Role.ADMIN}).status_code == 404
    world_a.sro.refresh_from_db()
    assert world_a.sro.role == Role.SRO


def test_admin_changes_a_role_and_schools(client, world_a):
    signed_in(client, world_a.admin)
    url = reverse("accounts:member_edit", args=[world_a.supervisor.pk])
    response = client.post(
        url,
        {"full_name": "Now Principal", "role": Role.SCHOOL, "schools": [world_a.other_school.pk]},
    )
    assert response.status_code == 302
    world_a.supervisor.refresh_from_db()
    assert world_a.supervisor.role == Role.SCHOOL
    assert list(
        SchoolMembership.objects.filter(user=world_a.supervisor).values_list("school", flat=True)
    ) == [world_a.other_school.pk]


def test_leaving_the_school_admin_role_drops_school_links(client, world_a):
    signed_in(client, world_a.admin)
    url = reverse("accounts:member_edit", args=[world_a.school_admin.pk])
    client.post(url, {"full_name": "Moved", "role": Role.SUPERVISOR})
    assert not SchoolMembership.objects.filter(user=world_a.school_admin).exists()


def test_admin_cannot_demote_themself(client, world_a):
    signed_in(client, world_a.admin)
    url = reverse("accounts:member_edit", args=[world_a.admin.pk])
    response = client.post(url, {"full_name": "Me", "role": Role.SRO})
    assert response.status_code == 200
    assert "cannot change your own role" in response.text
    world_a.admin.refresh_from_db()
    assert world_a.admin.role == Role.ADMIN


def test_deactivation_ends_every_session_at_once(client, world_a):
    officer_phone, officer_laptop = client.__class__(), client.__class__()
    secret = enrol_totp(world_a.sro)
    now = time.time()
    for offset, device in ((0, officer_phone), (30, officer_laptop)):
        with time_machine.travel(now + offset, tick=False):
            sign_in(device, world_a.sro, factories.PASSWORD, secret, at=now + offset)
            assert device.get(reverse("dashboards:home")).status_code == 200

    keys = [officer_phone.session.session_key, officer_laptop.session.session_key]
    assert Session.objects.filter(session_key__in=keys).count() == 2

    signed_in(client, world_a.admin)
    response = client.post(reverse("accounts:member_deactivate", args=[world_a.sro.pk]))
    assert response.status_code == 302
    # The sessions themselves are gone, not merely refused at the next request.
    assert not Session.objects.filter(session_key__in=keys).exists()

    for device in (officer_phone, officer_laptop):
        response = device.get(reverse("dashboards:home"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    world_a.sro.refresh_from_db()
    assert not world_a.sro.is_active


def test_deactivated_user_cannot_sign_in(client, world_a):
    signed_in(client, world_a.admin)
    client.post(reverse("accounts:member_deactivate", args=[world_a.sro.pk]))
    other = client.__class__()
    response = other.post(
        reverse("account_login"), {"login": world_a.sro.email, "password": factories.PASSWORD}
    )
    assert response.status_code in {200, 302}
    assert other.get(reverse("dashboards:home")).status_code == 302


def test_reactivation_lets_them_back(client, world_a):
    signed_in(client, world_a.admin)
    client.post(reverse("accounts:member_deactivate", args=[world_a.sro.pk]))
    client.post(reverse("accounts:member_reactivate", args=[world_a.sro.pk]))
    world_a.sro.refresh_from_db()
    assert world_a.sro.is_active


def test_admin_cannot_deactivate_themself(client, world_a):
    signed_in(client, world_a.admin)
    client.post(reverse("accounts:member_deactivate", args=[world_a.admin.pk]))
    world_a.admin.refresh_from_db()
    assert world_a.admin.is_active


@pytest.mark.parametrize(
    "url_name",
    [
        "accounts:member_deactivate",
        "accounts:member_reactivate",
        "accounts:invitation_resend",
        "accounts:invitation_revoke",
    ],
)
def test_state_changing_urls_reject_get(client, world_a, url_name):
    signed_in(client, world_a.admin)
    invitation = factories.InvitationFactory(agency=world_a.agency)
    pk = invitation.pk if "invitation" in url_name else world_a.sro.pk
    assert client.get(reverse(url_name, args=[pk])).status_code == 405
    world_a.sro.refresh_from_db()
    invitation.refresh_from_db()
    assert world_a.sro.is_active and invitation.revoked_at is None


def test_revoke_twice_gives_a_message_not_an_error(client, world_a):
    signed_in(client, world_a.admin)
    invitation = factories.InvitationFactory(agency=world_a.agency)
    url = reverse("accounts:invitation_revoke", args=[invitation.pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert "already accepted or revoked" in response.text
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is not None


def test_agency_admin_sets_the_clock_and_school_calendar(client, world_a):
    signed_in(client, world_a.admin)
    data = {
        "time_zone": "America/Toronto",
        "school_year_start_month": 8,
        "school_year_start_day": 28,
        "second_term_start_month": 1,
        "second_term_start_day": 30,
        "school_year_end_month": 6,
        "school_year_end_day": 27,
    }
    assert client.post(reverse("accounts:agency_settings"), data).status_code == 302
    world_a.agency.refresh_from_db()
    assert world_a.agency.time_zone == "America/Toronto"
    assert world_a.agency.school_year_for(world_a.agency.today()).terms[1].start.month == 1
    data |= {"school_year_end_month": 2, "school_year_end_day": 31}
    response = client.post(reverse("accounts:agency_settings"), data)
    assert "does not exist in that month" in response.text


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.SRO, Role.SCHOOL])
def test_only_agency_admins_change_agency_settings(client, world_a, role):
    signed_in(client, world_a.users[role])
    response = client.post(reverse("accounts:agency_settings"), {"time_zone": "UTC"})
    assert response.status_code == 403
    world_a.agency.refresh_from_db()
    assert world_a.agency.time_zone == "America/Edmonton"
