"""The topic catalogue through the real pages and database: who reads it and who keeps it, the
topic form's errors next to their fields, the seven standard topics, and the materials: what may
be uploaded, how it is stored, and who may download or remove it."""

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from presentations import services
from presentations.models import Material, Topic
from sro_portal.accounts.models import Role
from tests.factories import CommunityPartnerFactory, TopicFactory
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
KEEPERS = [Role.ADMIN, Role.SUPERVISOR]
NOT_KEEPERS = [Role.SRO, Role.SCHOOL]


def office_file(member: str) -> bytes:
    """A zip archive holding `member` (ppt/presentation.xml makes a PPTX, word/document.xml a
    DOCX) and the content types part every Office file has."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, "<document/>")
    return buffer.getvalue()


PPTX_BYTES = office_file("ppt/presentation.xml")


def upload(name: str, content: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def own_media_root(settings, tmp_path):
    """Each test its own upload folder: on SQLite a rolled-back agency's id comes back, and with
    it the folder of an earlier test's files."""
    settings.MEDIA_ROOT = str(tmp_path)


def stored_files(world) -> set[str]:
    folder = Path(settings.MEDIA_ROOT) / "materials" / str(world.agency.pk)
    return {path.name for path in folder.iterdir()} if folder.exists() else set()


def add_material(world, topic, *, title="Slides", content=PDF_BYTES, name="slides.pdf"):
    return services.material_add(
        actor=world.admin, topic=topic, title=title, upload=upload(name, content)
    )


def topic_data(**changes) -> dict:
    data = {
        "title": "Vaping",
        "description": "Health effects and the law.",
        "grade_from": "5",
        "grade_to": "9",
        "minutes": "45",
        "partner": "",
        "is_active": "on",
    }
    return data | changes


def _queries(client, page) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(page).status_code == 200
    return len(captured)


# --- Reading the catalogue ----------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_every_user_of_the_agency_reads_the_catalogue_with_its_materials(client, world_a, role):
    partner = CommunityPartnerFactory(agency=world_a.agency, name="Alberta Health Services")
    topic = TopicFactory(agency=world_a.agency, title="Vaping", partner=partner, grade_from=5)
    material = add_material(world_a, topic, title="Vaping slides")
    signed_in(client, world_a.users[role])

    response = client.get(reverse("presentations:topics"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Vaping" in page and "Alberta Health Services" in page
    assert topic.grades_label in page and "45 minutes" in page
    assert reverse("presentations:material", args=[material.pk]) in page
    detail = client.get(reverse("presentations:topic", args=[topic.pk]))
    assert detail.status_code == 200 and "Vaping slides" in detail.content.decode()


def test_the_catalogue_shows_no_topic_of_another_agency(client, world_a, world_b):
    TopicFactory(agency=world_b.agency, title="Bravo's own topic")
    signed_in(client, world_a.supervisor)
    response = client.get(reverse("presentations:topics"))
    assert "Bravo&#x27;s own topic" not in response.content.decode()
    assert response.context["topics"] == []


@pytest.mark.parametrize("role", Role.values)
def test_another_agency_s_topic_is_not_found(client, world_a, world_b, role):
    topic = TopicFactory(agency=world_b.agency)
    signed_in(client, world_a.users[role])
    assert client.get(reverse("presentations:topic", args=[topic.pk])).status_code == 404
    assert client.get(reverse("presentations:topic_edit", args=[topic.pk])).status_code == 404


@pytest.mark.parametrize(
    ("role", "offered"),
    [(Role.ADMIN, True), (Role.SRO, True), (Role.SCHOOL, True), (Role.SUPERVISOR, False)],
)
def test_the_roles_that_may_request_a_talk_get_the_request_link(client, world_a, role, offered):
    topic = TopicFactory(agency=world_a.agency)
    retired = TopicFactory(agency=world_a.agency, is_active=False)
    signed_in(client, world_a.users[role])
    page = client.get(reverse("presentations:topics")).content.decode()
    request_url = reverse("presentations:request")
    assert (f"{request_url}?topic={topic.pk}" in page) is offered
    assert f"{request_url}?topic={retired.pk}" not in page  # not offered: not requested
    assert "Not offered" in page


@pytest.mark.parametrize("role", NOT_KEEPERS)
def test_only_keepers_see_the_buttons_that_change_the_catalogue(client, world_a, role):
    topic = TopicFactory(agency=world_a.agency)
    material = add_material(world_a, topic)
    signed_in(client, world_a.users[role])
    page = client.get(reverse("presentations:topics")).content.decode()
    assert reverse("presentations:topic_create") not in page
    assert reverse("presentations:topic_edit", args=[topic.pk]) not in page
    detail = client.get(reverse("presentations:topic", args=[topic.pk]))
    assert detail.context["material_form"] is None
    delete = reverse("presentations:material_delete", args=[material.pk])
    assert delete not in detail.content.decode()
    assert reverse("presentations:material_add", args=[topic.pk]) not in detail.content.decode()


def test_the_list_s_queries_do_not_grow_with_the_topics(client, world_a):
    partner = CommunityPartnerFactory(agency=world_a.agency)
    add_material(world_a, TopicFactory(agency=world_a.agency, partner=partner))
    signed_in(client, world_a.admin)
    client.get(reverse("presentations:topics"))  # warm the caches
    one = _queries(client, reverse("presentations:topics"))

    for _ in range(6):
        topic = TopicFactory(
            agency=world_a.agency, partner=CommunityPartnerFactory(agency=world_a.agency)
        )
        add_material(world_a, topic)
        add_material(world_a, topic, title="Handout")
    many = _queries(client, reverse("presentations:topics"))

    assert many == one <= 6
    assert len(client.get(reverse("presentations:topics")).context["topics"]) == 7


# --- Keeping the catalogue ----------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_KEEPERS)
def test_sros_and_school_admins_cannot_change_the_catalogue(client, world_a, role):
    topic = TopicFactory(agency=world_a.agency, title="Before")
    material = add_material(world_a, topic)
    signed_in(client, world_a.users[role])

    assert client.get(reverse("presentations:topic_create")).status_code == 403
    assert client.post(reverse("presentations:topic_create"), topic_data()).status_code == 403
    edit = reverse("presentations:topic_edit", args=[topic.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, topic_data(title="After")).status_code == 403
    assert client.post(reverse("presentations:topics_standard")).status_code == 403
    add = reverse("presentations:material_add", args=[topic.pk])
    assert client.post(add, {"title": "x", "file": upload("x.pdf", PDF_BYTES)}).status_code == 403
    delete = reverse("presentations:material_delete", args=[material.pk])
    assert client.post(delete).status_code == 403

    assert list(Topic.objects.filter(agency=world_a.agency).values_list("title", flat=True)) == [
        "Before"
    ]
    assert list(Material.objects.filter(agency=world_a.agency)) == [material]


@pytest.mark.parametrize("role", KEEPERS)
def test_a_keeper_adds_a_topic_with_a_partner_of_the_agency(client, world_a, role):
    partner = CommunityPartnerFactory(agency=world_a.agency, name="Alberta Health Services")
    signed_in(client, world_a.users[role])

    response = client.post(
        reverse("presentations:topic_create"), topic_data(partner=str(partner.pk))
    )

    topic = Topic.objects.get(agency=world_a.agency)
    assert response.status_code == 302
    assert response.url == reverse("presentations:topic", args=[topic.pk])
    assert (topic.title, topic.grade_from, topic.grade_to, topic.minutes) == ("Vaping", 5, 9, 45)
    assert topic.partner == partner and topic.is_active


def test_the_partner_choices_are_the_agency_s_active_partners(client, world_a, world_b):
    mine = CommunityPartnerFactory(agency=world_a.agency)
    retired = CommunityPartnerFactory(agency=world_a.agency, is_active=False)
    theirs = CommunityPartnerFactory(agency=world_b.agency)
    signed_in(client, world_a.supervisor)

    form = client.get(reverse("presentations:topic_create")).context["form"]
    assert list(form.fields["partner"].queryset) == [mine]

    response = client.post(
        reverse("presentations:topic_create"), topic_data(partner=str(theirs.pk))
    )
    assert response.status_code == 200 and "partner" in response.context["form"].errors
    response = client.post(
        reverse("presentations:topic_create"), topic_data(partner=str(retired.pk))
    )
    assert "partner" in response.context["form"].errors
    assert not Topic.objects.filter(agency=world_a.agency).exists()


def test_a_topic_keeps_its_retired_partner_when_edited(client, world_a):
    partner = CommunityPartnerFactory(agency=world_a.agency)
    topic = TopicFactory(agency=world_a.agency, partner=partner)
    partner.is_active = False
    partner.save()
    signed_in(client, world_a.admin)
    response = client.post(
        reverse("presentations:topic_edit", args=[topic.pk]),
        topic_data(title=topic.title, partner=str(partner.pk), minutes="60"),
    )
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.partner == partner and topic.minutes == 60


@pytest.mark.parametrize("title", ["Vaping", "  vaping "])
def test_a_title_the_catalogue_has_already_is_refused_next_to_the_title(client, world_a, title):
    TopicFactory(agency=world_a.agency, title="Vaping")
    signed_in(client, world_a.admin)

    response = client.post(reverse("presentations:topic_create"), topic_data(title=title))

    assert response.status_code == 200
    assert response.context["form"].errors["title"] == [
        "The catalogue has a topic with this title already."
    ]
    assert 'id="error_1_id_title"' in response.content.decode()
    assert Topic.objects.filter(agency=world_a.agency).count() == 1


def test_another_agency_may_use_the_same_title(client, world_a, world_b):
    TopicFactory(agency=world_b.agency, title="Vaping")
    signed_in(client, world_a.admin)
    assert client.post(reverse("presentations:topic_create"), topic_data()).status_code == 302
    assert Topic.objects.filter(agency=world_a.agency, title="Vaping").exists()


def test_a_title_taken_between_the_check_and_the_save_is_refused_next_to_the_title(
    client, world_a, monkeypatch
):
    """Two keepers saving the same title at once: the database's constraint decides, and the
    loser sees the error next to the title rather than a page error."""
    signed_in(client, world_a.admin)
    real_save = services.topic_save

    def racing_save(*, actor, topic):
        TopicFactory(agency=world_a.agency, title=topic.title)  # the other keeper wins
        return real_save(actor=actor, topic=topic)

    monkeypatch.setattr(services, "topic_save", racing_save)
    response = client.post(reverse("presentations:topic_create"), topic_data())
    assert response.status_code == 200
    assert response.context["form"].errors["title"] == [
        "The catalogue has a topic with this title already."
    ]
    assert Topic.objects.filter(agency=world_a.agency).count() == 1


def test_editing_a_topic_keeps_its_own_title(client, world_a):
    topic = TopicFactory(agency=world_a.agency, title="Vaping")
    signed_in(client, world_a.supervisor)
    response = client.post(
        reverse("presentations:topic_edit", args=[topic.pk]),
        topic_data(description="Updated.", is_active=""),
    )
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.description == "Updated." and not topic.is_active


def test_grades_in_the_wrong_order_are_refused_next_to_the_last_grade(client, world_a):
    signed_in(client, world_a.admin)
    response = client.post(
        reverse("presentations:topic_create"), topic_data(grade_from="10", grade_to="7")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["grade_to"] == ["The last grade comes after the first."]
    assert not form.non_field_errors()
    assert not Topic.objects.exists()


def test_a_length_out_of_range_is_refused_next_to_the_length(client, world_a):
    signed_in(client, world_a.admin)
    response = client.post(reverse("presentations:topic_create"), topic_data(minutes="5"))
    assert "minutes" in response.context["form"].errors
    assert not Topic.objects.exists()


def test_an_empty_catalogue_offers_keepers_the_standard_topics(client, world_a):
    signed_in(client, world_a.supervisor)
    page = client.get(reverse("presentations:topics")).content.decode()
    assert "Add the seven standard topics" in page
    assert reverse("presentations:topics_standard") in page


def test_an_empty_catalogue_offers_others_no_button(client, world_a):
    signed_in(client, world_a.sro)
    page = client.get(reverse("presentations:topics")).content.decode()
    assert "Add the seven standard topics" not in page
    assert "The catalogue is empty" in page


def test_the_standard_topics_button_adds_the_seven_once(client, world_a):
    signed_in(client, world_a.admin)
    url = reverse("presentations:topics_standard")

    response = client.post(url, follow=True)
    titles = set(Topic.objects.filter(agency=world_a.agency).values_list("title", flat=True))
    assert titles == {title for title, *_rest in services.STANDARD_TOPICS}
    assert len(titles) == 7
    assert "7 standard topics added" in response.content.decode()
    assert "Add the seven standard topics" not in response.content.decode()

    response = client.post(url, follow=True)
    assert Topic.objects.filter(agency=world_a.agency).count() == 7
    assert "every standard topic already" in response.content.decode()


def test_the_standard_topics_button_takes_post_only(client, world_a):
    signed_in(client, world_a.admin)
    assert client.get(reverse("presentations:topics_standard")).status_code == 405
    assert not Topic.objects.exists()


# --- Uploading materials ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type", "extension"),
    [
        ("../../Vaping deck.pdf", PDF_BYTES, "application/pdf", "pdf"),
        (
            "Vaping deck.pptx",
            PPTX_BYTES,
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "pptx",
        ),
    ],
)
def test_a_keeper_uploads_a_pdf_or_pptx_stored_under_a_generated_name(
    client, world_a, name, content, content_type, extension
):
    topic = TopicFactory(agency=world_a.agency)
    signed_in(client, world_a.supervisor)

    response = client.post(
        reverse("presentations:material_add", args=[topic.pk]),
        {"title": "Slides for grade 7", "file": upload(name, content, "text/plain")},
    )

    assert response.status_code == 302
    assert response.url == reverse("presentations:topic", args=[topic.pk]) + "#materials"
    material = Material.objects.get(topic=topic)
    assert (material.title, material.content_type, material.size) == (
        "Slides for grade 7",
        content_type,
        len(content),
    )
    assert material.agency == world_a.agency and material.uploaded_by == world_a.supervisor
    stored = material.file.name
    assert stored.startswith(f"materials/{world_a.agency.pk}/") and stored.endswith(f".{extension}")
    assert "Vaping" not in stored and "deck" not in stored and ".." not in stored
    assert (Path(settings.MEDIA_ROOT) / stored).read_bytes() == content


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "The file is not a PDF"),
        ("page.pdf", b"<!doctype html><script>alert(1)</script>", "The file is not a PDF"),
        ("notes.pdf", b"Just some notes, renamed to look like a PDF.", "The file is not a PDF"),
        ("slides.pptx", office_file("docProps/app.xml"), "The file is not a PDF"),
    ],
)
def test_a_file_of_another_kind_is_refused_next_to_the_file_field(
    client, world_a, name, content, message
):
    topic = TopicFactory(agency=world_a.agency)
    signed_in(client, world_a.admin)

    response = client.post(
        reverse("presentations:material_add", args=[topic.pk]),
        {"title": "Slides", "file": upload(name, content)},
    )

    assert response.status_code == 400
    form = response.context["material_form"]
    assert message in form.errors["file"][0] and list(form.errors) == ["file"]
    assert 'id="error_1_material_file"' in response.content.decode()
    assert not Material.objects.exists()
    assert stored_files(world_a) == set()


def test_a_file_over_the_size_limit_is_refused_next_to_the_file_field(client, world_a, monkeypatch):
    monkeypatch.setattr(services, "MATERIAL_MAX_BYTES", 1024 * 1024)
    topic = TopicFactory(agency=world_a.agency)
    signed_in(client, world_a.admin)
    too_big = PDF_BYTES + b"0" * (1024 * 1024)

    response = client.post(
        reverse("presentations:material_add", args=[topic.pk]),
        {"title": "Slides", "file": upload("big.pdf", too_big)},
    )

    assert response.status_code == 400
    assert response.context["material_form"].errors["file"] == ["The file is larger than 1 MB."]
    assert "up to 1 MB" in response.content.decode()  # the help text follows the limit
    assert not Material.objects.exists()
    assert stored_files(world_a) == set()


def test_an_upload_without_a_title_or_a_file_is_refused_next_to_the_fields(client, world_a):
    topic = TopicFactory(agency=world_a.agency)
    signed_in(client, world_a.admin)
    response = client.post(reverse("presentations:material_add", args=[topic.pk]), {})
    assert response.status_code == 400
    assert set(response.context["material_form"].errors) == {"title", "file"}
    assert not Material.objects.exists()


def test_the_upload_address_takes_post_only(client, world_a):
    topic = TopicFactory(agency=world_a.agency)
    signed_in(client, world_a.admin)
    assert client.get(reverse("presentations:material_add", args=[topic.pk])).status_code == 405


def test_a_keeper_cannot_upload_to_another_agency_s_topic(client, world_a, world_b):
    topic = TopicFactory(agency=world_b.agency)
    signed_in(client, world_a.admin)
    response = client.post(
        reverse("presentations:material_add", args=[topic.pk]),
        {"title": "Slides", "file": upload("a.pdf", PDF_BYTES)},
    )
    assert response.status_code == 404
    assert not Material.objects.exists()


# --- Downloading and removing materials ---------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_every_user_of_the_agency_downloads_a_material_as_an_attachment(client, world_a, role):
    topic = TopicFactory(agency=world_a.agency)
    material = add_material(world_a, topic, title="Vaping: slides for Grade 7 (é)")
    signed_in(client, world_a.users[role])

    response = client.get(reverse("presentations:material", args=[material.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="vaping-slides-for-grade-7-e.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")


@pytest.mark.parametrize("role", Role.values)
def test_another_agency_s_users_get_404_on_a_material(client, world_a, world_b, role):
    material = add_material(world_a, TopicFactory(agency=world_a.agency))
    signed_in(client, world_b.users[role])
    assert client.get(reverse("presentations:material", args=[material.pk])).status_code == 404
    delete = reverse("presentations:material_delete", args=[material.pk])
    assert client.post(delete).status_code == 404
    assert Material.objects.filter(pk=material.pk).exists()


def test_anonymous_visitors_are_sent_to_sign_in_for_a_material(client, world_a):
    material = add_material(world_a, TopicFactory(agency=world_a.agency))
    response = client.get(reverse("presentations:material", args=[material.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_platform_staff_without_an_agency_get_404_on_a_material(client, world_a, django_user_model):
    material = add_material(world_a, TopicFactory(agency=world_a.agency))
    staff = django_user_model.objects.create_superuser("staff@platform.test", "x" * 16)
    signed_in(client, staff)
    assert client.get(reverse("presentations:material", args=[material.pk])).status_code == 404


def test_a_material_whose_file_is_missing_is_not_found(client, world_a):
    material = add_material(world_a, TopicFactory(agency=world_a.agency))
    (Path(settings.MEDIA_ROOT) / material.file.name).unlink()
    signed_in(client, world_a.sro)
    assert client.get(reverse("presentations:material", args=[material.pk])).status_code == 404


def test_a_keeper_removes_a_material_and_its_file(
    client, world_a, django_capture_on_commit_callbacks
):
    topic = TopicFactory(agency=world_a.agency)
    material = add_material(world_a, topic)
    path = Path(settings.MEDIA_ROOT) / material.file.name
    signed_in(client, world_a.supervisor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("presentations:material_delete", args=[material.pk]))

    assert response.status_code == 302
    assert response.url == reverse("presentations:topic", args=[topic.pk]) + "#materials"
    assert not Material.objects.filter(pk=material.pk).exists()
    assert not path.exists()


def test_removing_a_material_takes_post_only(client, world_a):
    material = add_material(world_a, TopicFactory(agency=world_a.agency))
    signed_in(client, world_a.admin)
    url = reverse("presentations:material_delete", args=[material.pk])
    assert client.get(url).status_code == 405
    assert Material.objects.filter(pk=material.pk).exists()


def test_the_topic_page_lists_materials_with_size_and_kind_and_remove_buttons(client, world_a):
    topic = TopicFactory(agency=world_a.agency)
    material = add_material(world_a, topic, title="Handout", content=PPTX_BYTES, name="h.pptx")
    signed_in(client, world_a.admin)
    page = client.get(reverse("presentations:topic", args=[topic.pk])).content.decode()
    assert "Handout" in page and "PowerPoint" in page
    assert f"{len(PPTX_BYTES)}\xa0bytes" in page
    assert reverse("presentations:material_delete", args=[material.pk]) in page
    assert 'enctype="multipart/form-data"' in page
