"""Files as people send them (a photo from a phone, a scanned document, a sheet saved by a spreadsheet program):
what a file is, found from its first bytes and never from its name or the browser's word for it; its size within a
limit; a name that is only a name; the encoding of a text. Message attachments and seizure attachments check their
files here, each with the types and size it takes; seizure sheets and checklists read their text in its encoding."""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from opsplatform.i18n import _

SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
# The extensions each type is saved under, the usual one first; and its name for people.
EXTENSIONS = {"application/pdf": ("pdf",), "image/png": ("png",), "image/jpeg": ("jpg", "jpeg"),
              "image/gif": ("gif",), "image/webp": ("webp",)}
NAMES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WebP"}
# Shown in the browser rather than saved: raster images only. HTML, SVG or anything else that can carry a script is
# never among the types found, and would never be shown inline.
SHOWN_INLINE = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
NAME_LIMIT = 200  # characters of a file's name kept (its extension is added to them)
# Text in UTF-16 (Excel's "Unicode text", tab-separated) begins with a BOM that gives its byte order.
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def content_type(content: bytes) -> str | None:
    """The type of a known file, found from its first bytes; None for any other file."""
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


def clean_name(name: str | None) -> str:
    """Only the name: the last part of a path ("../../etc/passwd" is "passwd"), trimmed, at most NAME_LIMIT
    characters; "attachment" when nothing is left."""
    return (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:NAME_LIMIT] or "attachment"


def described(kinds: Iterable[str]) -> str:
    """"PDF, JPEG, PNG": the types a form takes, as people call them."""
    return ", ".join(NAMES[kind] for kind in kinds)


def check_file(name: str | None, content: bytes, *, accepted: tuple[str, ...], max_bytes: int) -> Upload | str:
    """The file ready to keep (named by the type of its bytes), or what is wrong with it, naming it."""
    clean = clean_name(name)
    if not content:
        return _('"%(name)s" is empty', name=clean)
    if len(content) > max_bytes:
        return _('"%(name)s" is larger than %(mb)s MB', name=clean, mb=max_bytes // (1024 * 1024))
    kind = content_type(content)
    if kind not in accepted:
        return _('"%(name)s" is not an allowed file type (%(allowed)s, checked by its content)', name=clean,
                 allowed=described(accepted))
    return Upload(typed_filename(clean, kind), kind, content)


def text_encoding(content: bytes) -> str:
    """The encoding of a text as spreadsheet programs save one, for `bytes.decode`: UTF-16 after its BOM (which gives
    the byte order), UTF-8 with or without the BOM Excel writes with "CSV UTF-8" (dropped), else cp1252 (Excel's plain
    "CSV" on Windows in western Europe, Africa and the Americas)."""
    return "utf-16" if content.startswith(UTF16_BOMS) else "utf-8-sig" if _is_utf8(content) else "cp1252"


def _is_utf8(content: bytes, chunk: int = 1 << 20) -> bool:
    """Whether the bytes are UTF-8, checked a megabyte at a time: decoding a 60 MB file whole would hold it twice."""
    decoder, view = codecs.getincrementaldecoder("utf-8")(), memoryview(content)
    try:
        for start in range(0, len(view), chunk):
            decoder.decode(view[start:start + chunk])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True
