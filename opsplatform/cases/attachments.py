"""Attachments of operation messages: photos of concealments and scanned documents, checked by their content (the
rule is `uploads`, shared with seizure attachments); here are the types and limits of a message."""

from __future__ import annotations

from opsplatform import uploads
from opsplatform.errors import FieldError
from opsplatform.i18n import _
from opsplatform.uploads import Upload

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 5
ACCEPTED = ("application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp")
EXTENSIONS = {kind: uploads.EXTENSIONS[kind] for kind in ACCEPTED}  # the types the API documents
ALLOWED = uploads.described(ACCEPTED)


def check_uploads(files: list[tuple[str, bytes]]) -> tuple[list[Upload], list[FieldError]]:
    """Each file within the size limit and of an allowed type; every problem named by the file."""
    checked_files, errors = [], []
    files = [(name, content) for name, content in files if name or content]
    if len(files) > MAX_FILES:
        errors.append(FieldError("attachments", _("at most %(n)s files per message", n=MAX_FILES)))
    for n, (name, content) in enumerate(files):
        checked = uploads.check_file(name, content, accepted=ACCEPTED, max_bytes=MAX_BYTES)
        if isinstance(checked, str):
            errors.append(FieldError(f"attachments[{n}]", checked))
        else:
            checked_files.append(checked)
    return checked_files, errors
