"""Platform staff create agencies and invite their first agency admin from the Django admin."""

import pytest
from django.core import mail
from django.urls import reverse

from sro_portal.accounts.models import Agency, Invitation, Role
from tests.helpers import agency_form, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser("staff@platform.test", "x" * 16)


def test_staff_create_an_agency_and_invite_its_first_admin(
    client, staff, django_capture_on_commit_callbacks
):
    signed_in(client, staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:accounts_agency_add"),
            agency_form(first_admin_email="chief@riverside.test", first_admin_name="Chief"),
        )
    assert response.status_code == 302
    agency = Agency.objects.get(slug="riverside")
    invitation = Invitation.objects.get(agency=agency)
    assert (invitation.email, invitation.role) == ("chief@riverside.test", Role.ADMIN)
    assert mail.outbox[0].to == ["chief@riverside.test"]


def test_first_admin_email_already_in_use_is_a_field_error(client, staff, world_a):
    signed_in(client, staff)
    response = client.post(
        reverse("admin:accounts_agency_add"), agency_form(first_admin_email=world_a.sro.email)
    )
    assert response.status_code == 200
    assert "already has an account" in response.text
    assert not Agency.objects.filter(slug="riverside").exists()


def test_impossible_school_year_dates_are_refused(client, staff):
    signed_in(client, staff)
    response = client.post(
        reverse("admin:accounts_agency_add"),
        agency_form(school_year_end_month=2, school_year_end_day=30),
    )
    assert response.status_code == 200
    assert "does not exist in that month" in response.text
    assert not Agency.objects.filter(slug="riverside").exists()


def test_staff_see_no_agency_users_in_the_admin(client, staff, world_a):
    signed_in(client, staff)
    page = client.get(reverse("admin:accounts_user_changelist"))
    assert page.status_code == 200
    assert "staff@platform.test" in page.text
    assert world_a.sro.email not in page.text


def test_school_year_and_terms_follow_the_agency_settings(world_a):
    from datetime import date

    year = world_a.agency.school_year_for(date(2027, 1, 15))
    assert (year.start, year.end, year.label) == (date(2026, 9, 1), date(2027, 6, 30), "2026-2027")
    assert [(t.start, t.end) for t in year.terms] == [
        (date(2026, 9, 1), date(2027, 1, 31)),
        (date(2027, 2, 1), date(2027, 6, 30)),
    ]
    assert world_a.agency.school_year_for(date(2027, 9, 1)).start == date(2027, 9, 1)
