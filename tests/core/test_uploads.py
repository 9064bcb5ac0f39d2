"""sro_portal/core/uploads.py: a file's kind is judged by its content, never by its name or the
browser's word; Office files must be zip archives holding their kind's main part; images are
re-encoded without their metadata."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, PngImagePlugin

from officers.models import OfficerProfile
from presentations.services import material_add
from sro_portal.core.uploads import (
    DOCUMENTS,
    DOCX,
    IMAGES,
    JPEG,
    PDF,
    PNG,
    PPTX,
    check_upload,
    content_type_of,
    private_name,
    without_metadata,
)
from tests.factories import TopicFactory
from tests.helpers import signed_in

MB = 1024 * 1024
PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def zipped(*members: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for member in members:
            archive.writestr(member, "<x/>")
    return buffer.getvalue()


PPTX_BYTES = zipped("ppt/presentation.xml", "ppt/slides/slide1.xml")
DOCX_BYTES = zipped("word/document.xml")


def upload(content: bytes, name: str = "file.bin", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def check(content: bytes, *, kinds=DOCUMENTS, max_bytes: int = MB, name: str = "file.bin"):
    return check_upload(upload(content, name), kinds=kinds, max_bytes=max_bytes, expected="a doc")


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (PDF_BYTES, PDF),
        (PPTX_BYTES, PPTX),
        (DOCX_BYTES, DOCX),
        (JPEG_BYTES, JPEG),
        (PNG_BYTES, PNG),
    ],
)
def test_each_document_kind_is_recognised_by_its_content(content, kind):
    assert check(content, name="renamed.txt") is kind


def test_a_word_file_named_pptx_is_a_word_file():
    assert check(DOCX_BYTES, name="slides.pptx") is DOCX


@pytest.mark.parametrize(
    "content",
    [
        zipped("docProps/app.xml"),  # a zip, but no Office document in it
        zipped("presentation.xml", "document.xml"),  # the right names in the wrong place
        b"PK\x03\x04" + b"\x00" * 60,  # a zip's first bytes, and nothing of a zip after them
        b"Plain text, renamed to slides.pdf",
        b"<!doctype html><html><script>alert(1)</script></html>",
        b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows program
        b"",
    ],
)
def test_a_file_that_is_no_document_is_refused(content):
    with pytest.raises(ValidationError) as refused:
        check(content, name="slides.pdf")
    assert refused.value.messages == ["The file is not a doc."]


def test_an_office_file_is_refused_where_only_images_are_allowed():
    with pytest.raises(ValidationError):
        check_upload(upload(PPTX_BYTES), kinds=IMAGES, max_bytes=MB)


def test_a_presentation_is_refused_where_only_word_files_are_allowed():
    with pytest.raises(ValidationError):
        check(PPTX_BYTES, kinds=(DOCX,))


def test_a_file_over_the_limit_is_refused_before_it_is_read():
    with pytest.raises(ValidationError) as refused:
        check(PDF_BYTES + b"0" * (2 * MB), max_bytes=2 * MB)
    assert refused.value.messages == ["The file is larger than 2 MB."]


def test_a_file_at_the_limit_is_accepted():
    content = PDF_BYTES + b"0" * (MB - len(PDF_BYTES))
    assert check(content, max_bytes=MB) is PDF


@pytest.mark.parametrize("content", [PDF_BYTES, PPTX_BYTES])
def test_checking_leaves_the_file_ready_to_be_stored_whole(content):
    file = upload(content)
    check_upload(file, kinds=DOCUMENTS, max_bytes=MB)
    assert file.read() == content


@pytest.mark.parametrize("kind", [PDF, PPTX, DOCX])
def test_a_private_name_is_random_and_keeps_only_the_kind_s_extension(kind):
    first, second = private_name("materials/7", kind), private_name("materials/7", kind)
    assert first != second
    assert first.startswith("materials/7/") and first.endswith(f".{kind.extension}")
    assert len(first.rsplit("/", 1)[1]) == 32 + 1 + len(kind.extension)


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("a/b.pdf", "application/pdf"),
        ("x.PPTX", PPTX.content_type),
        ("x.docx", DOCX.content_type),
        ("x.html", "application/octet-stream"),
        ("noextension", "application/octet-stream"),
    ],
)
def test_the_content_type_served_follows_the_stored_extension(name, content_type):
    assert content_type_of(name) == content_type


# --- Image metadata -----------------------------------------------------------------------------

GPS_IFD = 0x8825
ORIENTATION = 0x0112
ROTATED_90 = 6  # EXIF: the camera was turned; viewers rotate the picture 90 degrees clockwise


def jpeg_with_exif(size=(40, 20)) -> bytes:
    image = Image.new("RGB", size, "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[ORIENTATION] = ROTATED_90
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (53.0, 32.0, 0.0), 3: "W", 4: (113.0, 29.0, 0.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"taken at home")
    return out.getvalue()


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Constable Jane Doe")
    info.add_text("Location", "53.53 N, 113.49 W")
    out = io.BytesIO()
    Image.new("RGBA", (8, 8), (0, 0, 255, 128)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def test_a_photo_loses_its_exif_location_and_camera_but_stands_upright():
    original = jpeg_with_exif()
    assert b"PhoneMaker" in original

    cleaned = without_metadata(upload(original, "me.jpg", "image/jpeg"), JPEG).read()

    assert b"PhoneMaker" not in cleaned and b"taken at home" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()  # no GPS, no camera, no orientation left
        assert image.size == (20, 40)  # the 90 degree turn is applied to the pixels


def test_a_png_loses_its_text_chunks_and_keeps_its_transparency():
    cleaned = without_metadata(upload(png_with_text(), "me.png", "image/png"), PNG).read()

    assert b"Jane Doe" not in cleaned and b"113.49" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (8, 8))
        assert image.text == {}
        assert image.getpixel((0, 0)) == (0, 0, 255, 128)


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (JPEG_BYTES, JPEG),  # the right first bytes, and nothing of a picture after them
        (PNG_BYTES, PNG),
        (png_with_text(), JPEG),  # a PNG where a JPEG was recognised
    ],
)
def test_a_file_that_does_not_decode_as_its_image_kind_is_refused(content, kind):
    with pytest.raises(ValidationError) as refused:
        without_metadata(upload(content), kind)
    assert refused.value.messages == ["The file is not a JPEG or PNG image."]


def test_an_image_declaring_too_many_pixels_is_refused_before_it_is_decoded():
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, format="PNG")  # 48 million pixels in a few KB
    assert len(out.getvalue()) < 100_000
    with pytest.raises(ValidationError):
        without_metadata(upload(out.getvalue()), PNG)


@pytest.mark.django_db
def test_an_officer_photo_is_stored_without_its_metadata_and_served_by_its_view_only(
    client, world_a
):
    signed_in(client, world_a.sro)
    response = client.post(
        reverse("officers:profile_edit", args=[world_a.sro.pk]),
        {"badge_number": "", "rank": "", "phone": "", "photo": upload(jpeg_with_exif(), "me.jpg")},
    )
    assert response.status_code == 302
    name = OfficerProfile.objects.get(user=world_a.sro).photo.name
    with default_storage.open(name) as stored:
        assert b"PhoneMaker" not in stored.read()
    served = client.get(reverse("officers:officer_photo", args=[world_a.sro.pk]))
    assert b"PhoneMaker" not in b"".join(served.streaming_content)
    # Only that view serves it: the storage's own paths lead nowhere.
    for path in (f"/media/{name}", f"/{name}", f"/static/{name}"):
        assert client.get(path).status_code == 404, path


@pytest.mark.django_db
def test_a_presentation_image_is_stored_without_its_metadata(world_a):
    topic = TopicFactory(agency=world_a.agency)
    material = material_add(
        actor=world_a.admin, topic=topic, title="Poster", upload=upload(jpeg_with_exif(), "p.jpg")
    )
    with default_storage.open(material.file.name) as stored:
        content = stored.read()
    assert b"PhoneMaker" not in content and content.startswith(b"\xff\xd8\xff")
    assert material.size == len(content)
