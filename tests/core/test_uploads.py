"""sro_portal/core/uploads.py: a file's kind is judged by its content, never by its name or the
browser's word; Office files must be zip archives holding their kind's main part."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

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
)

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
