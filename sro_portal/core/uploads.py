"""Uploaded files: checked by their content (not their name or the browser's word), size
limited, stored privately under generated names, and served only through views that check who
is asking. MEDIA_ROOT is never served as static files."""

import secrets
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class FileKind:
    extension: str
    content_type: str
    magic: tuple[bytes, ...]  # the file's first bytes
    # Office files are zip archives: which member makes the archive this kind of document.
    zip_member: str = ""


JPEG = FileKind("jpg", "image/jpeg", (b"\xff\xd8\xff",))
PNG = FileKind("png", "image/png", (b"\x89PNG\r\n\x1a\n",))
PDF = FileKind("pdf", "application/pdf", (b"%PDF-",))
_ZIP = (b"PK\x03\x04",)
PPTX = FileKind(
    "pptx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    _ZIP,
    zip_member="ppt/presentation.xml",
)
DOCX = FileKind(
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    _ZIP,
    zip_member="word/document.xml",
)
IMAGES = (JPEG, PNG)
DOCUMENTS = (PDF, PPTX, DOCX, JPEG, PNG)
ALL_KINDS = (JPEG, PNG, PDF, PPTX, DOCX)


def check_upload(
    upload: UploadedFile, *, kinds=IMAGES, max_bytes: int, expected: str | None = None
) -> FileKind:
    """The kind of `upload`, judged by its first bytes; ValidationError if it is not one of
    `kinds` (described to the user as `expected`) or is too large."""
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is larger than %(size)s MB.") % {"size": max_bytes // (1024 * 1024)}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for kind in kinds:
        if any(head.startswith(magic) for magic in kind.magic) and _has_member(upload, kind):
            return kind
    raise ValidationError(
        _("The file is not %(expected)s.") % {"expected": expected or _("a JPEG or PNG image")}
    )


def _has_member(upload: UploadedFile, kind: FileKind) -> bool:
    """For an Office kind, whether the zip archive holds that kind's main part."""
    if not kind.zip_member:
        return True
    try:
        with zipfile.ZipFile(upload) as archive:
            return kind.zip_member in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    finally:
        upload.seek(0)


def private_name(folder: str, kind: FileKind) -> str:
    """A generated storage name: nothing of the uploader's file name is kept."""
    return f"{folder}/{secrets.token_hex(16)}.{kind.extension}"


def content_type_of(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower()
    return next(
        (kind.content_type for kind in ALL_KINDS if kind.extension == extension),
        "application/octet-stream",
    )
