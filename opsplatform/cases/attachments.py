"""Attachments of operation messages: photos of concealments and scanned documents, checked by their content."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from opsplatform.errors import FieldError
from opsplatform.i18n import _

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 5
# What a file is, by its first bytes: the name and the browser's word for it are not trusted.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
# The extensions each type is saved under, the usual one first.
EXTENSIONS = {"application/pdf": ("pdf",), "image/png": ("png",), "image/jpeg": ("jpg", "jpeg"),
              "image/gif": ("gif",), "image/webp": ("webp",)}
ALLOWED = "PDF, JPEG, PNG, GIF, WebP"


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def content_type(content: bytes) -> str | None:
    """The type of an allowed file, found from its first bytes; None for any other file."""
    for signature, kind in SIGNATURES:
        if content.startswith(signature):
            return kind
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def typed_filename(filename: str, kind: str) -> str:
    """The name with the extension of the type found, so "poly.html" holding a GIF is kept and served as "poly.gif"."""
    stem, dot, extension = filename.rpartition(".")
    if dot and stem and extension.lower() in EXTENSIONS[kind]:
        return filename
    return f"{stem if dot and stem else filename}.{EXTENSIONS[kind][0]}"


def check_uploads(files: list[tuple[str, bytes]]) -> tuple[list[Upload], list[FieldError]]:
    """Each file within the size limit and of an allowed type; every problem named by the file."""
    uploads, errors = [], []
    files = [(name, content) for name, content in files if name or content]
    if len(files) > MAX_FILES:
        errors.append(FieldError("attachments", _("at most %(n)s files per message", n=MAX_FILES)))
    for n, (name, content) in enumerate(files):
        field = f"attachments[{n}]"
        clean_name = (name or "attachment").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "attachment"
        kind = content_type(content)
        if not content:
            errors.append(FieldError(field, _('"%(name)s" is empty', name=clean_name)))
        elif len(content) > MAX_BYTES:
            errors.append(FieldError(field, _('"%(name)s" is larger than %(mb)s MB', name=clean_name,
                                              mb=MAX_BYTES // (1024 * 1024))))
        elif kind is None:
            errors.append(FieldError(field, _('"%(name)s" is not an allowed file type (%(allowed)s, checked by its '
                                              'content)', name=clean_name, allowed=ALLOWED)))
        else:
            uploads.append(Upload(typed_filename(clean_name, kind), kind, content))
    return uploads, errors
