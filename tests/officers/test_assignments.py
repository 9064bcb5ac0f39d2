"""Assignments, coverage and officer profiles through the real pages."""

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from officers.models import Assignment, OfficerProfile
from sro_portal.accounts.models import Role
from tests import factories
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def _form(officer, school, kind="primary", starts_on=None, ends_on=""):
    return {
        "officer": officer.pk,
        "school": school.pk,
        "kind": kind,
        "starts_on": starts_on.isoformat(),
        "ends_on": ends_on.isoformat() if ends_on else "",
    }


def test_admin_assigns_a_backup_and_the_sro_then_sees_the_school(client, world_a):
    today = world_a.agency.today()
    signed_in(client, world_a.admin)
    response = client.post(
        reverse("officers:assignment_create"),
        _form(world_a.sro, world_a.other_school, "backup", today),
    )
    assert response.url == reverse("officers:assignment_list")
    signed_in(client, world_a.sro)
    url = reverse("schools:school_detail", args=[world_a.other_school.pk])
    assert client.get(url).status_code == 200


def test_overlapping_primaries_are_refused_with_a_clear_message(client, world_a):
    today = world_a.agency.today()
    other_sro = factories.UserFactory(agency=world_a.agency, role=Role.SRO)
    signed_in(client, world_a.admin)
    response = client.post(
        reverse("officers:assignment_create"), _form(other_sro, world_a.school, "primary", today)
    )
    assert response.status_code == 200
    assert "is the primary SRO of this school for part of these dates" in response.text
    assert Assignment.objects.filter(school=world_a.school).count() == 1
    # As a backup it is fine; as a primary once the first one has ended, too.
    client.post(
        reverse("officers:assignment_create"), _form(other_sro, world_a.school, "backup", today)
    )
    world_a.sro.assignments.update(ends_on=today + timedelta(days=5))
    client.post(
        reverse("officers:assignment_create"),
        _form(other_sro, world_a.school, "primary", today + timedelta(days=6)),
    )
    assert Assignment.objects.filter(school=world_a.school).count() == 3


def test_an_end_before_the_start_is_refused(client, world_a):
    today = world_a.agency.today()
    signed_in(client, world_a.admin)
    response = client.post(
        reverse("officers:assignment_create"),
        _form(world_a.sro, world_a.other_school, "backup", today, today - timedelta(days=1)),
    )
    assert "The end date is before the start date" in response.text


def test_forged_officer_or_school_of_another_agency_is_refused(client, world_a, world_b):
    today = world_a.agency.today()
    signed_in(client, world_a.admin)
    for officer, school in ((world_b.sro, world_a.other_school), (world_a.sro, world_b.school)):
        response = client.post(
            reverse("officers:assignment_create"), _form(officer, school, "backup", today)
        )
        assert "Select a valid choice" in response.text
    assert Assignment.objects.filter(agency=world_a.agency).count() == 1


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.SRO, Role.SCHOOL])
def test_only_agency_admins_assign(client, world_a, role):
    today = world_a.agency.today()
    signed_in(client, world_a.users[role])
    response = client.post(
        reverse("officers:assignment_create"),
        _form(world_a.sro, world_a.other_school, "backup", today),
    )
    assert response.status_code == 403
    assignment = world_a.sro.assignments.get()
    response = client.post(
        reverse("officers:assignment_edit", args=[assignment.pk]),
        _form(world_a.sro, world_a.school, "primary", today, today),
    )
    assert response.status_code in {403, 404}
    assignment.refresh_from_db()
    assert assignment.ends_on is None


def test_the_sro_loses_the_school_the_day_after_the_assignment_ends(client, world_a):
    today = world_a.agency.today()
    world_a.sro.assignments.update(ends_on=today)
    signed_in(client, world_a.sro)
    url = reverse("schools:school_detail", args=[world_a.school.pk])
    assert client.get(url).status_code == 200  # its last day
    world_a.sro.assignments.update(ends_on=today - timedelta(days=1))
    assert client.get(url).status_code == 404  # the day after


def test_coverage_shows_uncovered_schools_and_gaps(client, world_a):
    today = world_a.agency.today()
    world_a.sro.assignments.update(ends_on=today + timedelta(days=10))
    signed_in(client, world_a.supervisor)
    page = client.get(reverse("officers:coverage")).text
    assert "1 school without a primary SRO" in page  # other_school
    assert "no successor yet" in page
    factories.AssignmentFactory(
        school=world_a.school,
        officer=factories.UserFactory(agency=world_a.agency, role=Role.SRO),
        starts_on=today + timedelta(days=11),
    )
    assert "no successor yet" not in client.get(reverse("officers:coverage")).text


def test_coverage_queries_do_not_grow_with_schools(client, world_a):
    signed_in(client, world_a.admin)
    client.get(reverse("officers:coverage"))

    def count():
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("officers:coverage")).status_code == 200
        return len(context)

    few = count()
    for _ in range(10):
        factories.AssignmentFactory(school=factories.SchoolFactory(board=world_a.school.board))
    assert count() == few


@pytest.mark.parametrize("role", [Role.SRO, Role.SCHOOL])
def test_coverage_is_for_supervisors_and_admins(client, world_a, role):
    signed_in(client, world_a.users[role])
    assert client.get(reverse("officers:coverage")).status_code == 403


def test_school_admins_see_the_officers_of_their_schools_only(client, world_a):
    elsewhere = factories.AssignmentFactory(school=world_a.other_school).officer
    signed_in(client, world_a.school_admin)
    page = client.get(reverse("officers:officer_list")).text
    assert str(world_a.sro) in page and str(elsewhere) not in page
    assert client.get(reverse("officers:officer_detail", args=[elsewhere.pk])).status_code == 404


def test_an_officer_keeps_their_own_profile_but_not_a_colleagues(client, world_a):
    colleague = factories.AssignmentFactory(school=world_a.school, kind="backup").officer
    signed_in(client, world_a.sro)
    data = {"badge_number": "4471", "rank": "Constable", "phone": "780-555-0101"}
    assert (
        client.post(reverse("officers:profile_edit", args=[world_a.sro.pk]), data).status_code
        == 302
    )
    assert OfficerProfile.objects.get(user=world_a.sro).badge_number == "4471"
    response = client.post(reverse("officers:profile_edit", args=[colleague.pk]), data)
    assert response.status_code == 403


def test_badge_numbers_are_unique_in_the_agency(client, world_a):
    colleague = factories.AssignmentFactory(school=world_a.school, kind="backup").officer
    OfficerProfile.objects.create(agency=world_a.agency, user=colleague, badge_number="4471")
    signed_in(client, world_a.admin)
    response = client.post(
        reverse("officers:profile_edit", args=[world_a.sro.pk]),
        {"badge_number": "4471", "rank": "", "phone": ""},
    )
    assert response.status_code == 200
    assert "Another officer has this badge number" in response.text


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 3), "navy").save(out, format="PNG")
    return out.getvalue()


PNG_BYTES = _png()


def _upload(name, content, content_type="image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def test_an_officer_adds_a_photo_served_only_to_those_who_see_the_officer(client, world_a, world_b):
    signed_in(client, world_a.sro)
    response = client.post(
        reverse("officers:profile_edit", args=[world_a.sro.pk]),
        {"badge_number": "", "rank": "", "phone": "", "photo": _upload("../../me.png", PNG_BYTES)},
    )
    assert response.status_code == 302
    stored = OfficerProfile.objects.get(user=world_a.sro).photo.name
    assert stored.startswith(f"officer-photos/{world_a.agency.pk}/") and "me" not in stored

    url = reverse("officers:officer_photo", args=[world_a.sro.pk])
    photo = client.get(url)
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    # The picture, re-encoded without its metadata (tests/core/test_uploads.py): the same image.
    from PIL import Image

    served = Image.open(io.BytesIO(b"".join(photo.streaming_content)))
    assert served.format == "PNG" and served.size == (4, 3)
    assert served.convert("RGB").getpixel((0, 0)) == (0, 0, 128)  # navy
    signed_in(client, world_b.admin)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (_upload("photo.png", b"<svg onload=alert(1)>"), "not a JPEG or PNG image"),
        (_upload("photo.jpg", b"\xff\xd8\xff" + b"0" * (2 * 1024 * 1024)), "larger than 2 MB"),
    ],
    ids=["not-an-image", "too-large"],
)
def test_a_bad_photo_is_refused_next_to_the_field(client, world_a, upload, message):
    signed_in(client, world_a.sro)
    response = client.post(
        reverse("officers:profile_edit", args=[world_a.sro.pk]),
        {"badge_number": "", "rank": "", "phone": "", "photo": upload},
    )
    assert response.status_code == 200
    assert message in response.text
    assert not OfficerProfile.objects.filter(user=world_a.sro).exclude(photo="").exists()


def test_removing_the_photo_deletes_the_file(client, world_a):
    from django.core.files.storage import default_storage

    signed_in(client, world_a.sro)
    url = reverse("officers:profile_edit", args=[world_a.sro.pk])
    client.post(
        url, {"badge_number": "", "rank": "", "phone": "", "photo": _upload("a.png", PNG_BYTES)}
    )
    stored = OfficerProfile.objects.get(user=world_a.sro).photo.name
    assert default_storage.exists(stored)
    client.post(url, {"badge_number": "", "rank": "", "phone": "", "remove_photo": "on"})
    assert not default_storage.exists(stored)
    assert client.get(reverse("officers:officer_photo", args=[world_a.sro.pk])).status_code == 404
