"""Uploaded files: checked by their content (not their name or the browser's word), size
limited, images re-encoded without their metadata, stored privately under generated names, and
served only through views that check who is asking. MEDIA_ROOT is never served as static
files."""

import io
import secrets
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps


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


# A photo needs no more: a small file can declare an enormous image (a decompression bomb).
MAX_IMAGE_PIXELS = 40_000_000
_PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG"}


def without_metadata(upload: UploadedFile, kind: FileKind) -> ContentFile:
    """The image re-encoded from its pixels alone: EXIF (GPS position, camera, date), XMP, ICC
    and text chunks are left behind. The EXIF orientation is applied first, so the picture
    stands as it did. ValidationError if the file does not decode as the image it claims."""
    pillow_format = _PILLOW_FORMATS[kind]
    out = io.BytesIO()
    try:
        upload.seek(0)
        with Image.open(upload, formats=[pillow_format]) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:  # read from the header only
                raise ValueError("too many pixels")
            upright = ImageOps.exif_transpose(image)
            mode = "RGBA" if kind is PNG and _has_alpha(upright) else "RGB"
            pixels = upright.convert(mode)
            pixels.info = {}  # Pillow would write a comment or an ICC profile kept here
            pixels.save(out, format=pillow_format, quality=90)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise ValidationError(
            _("The file is not %(expected)s.") % {"expected": _("a JPEG or PNG image")}
        ) from error
    finally:
        upload.seek(0)
    return ContentFile(out.getvalue())


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def private_name(folder: str, kind: FileKind) -> str:
    """A generated storage name: nothing of the uploader's file name is kept."""
    return f"{folder}/{secrets.token_hex(16)}.{kind.extension}"


def content_type_of(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower()
    return next(
        (kind.content_type for kind in ALL_KINDS if kind.extension == extension),
        "application/octet-stream",
    )
