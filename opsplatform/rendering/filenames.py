"""Download headers from a filename: RFC 6266 `Content-Disposition` with an ASCII `filename` for old clients and the
real name in `filename*` (RFC 5987), so a name typed by a user can neither break nor extend the header."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

MAX_BYTES = 200  # what file systems keep (255) with room for a browser's " (1)"
# Removed: controls, format characters (a right-to-left override shows "photo\u202egpj.exe" as "photoexe.jpg"),
# lone surrogates (no UTF-8 for them). Spaces of every kind, line breaks too, become one plain space.
INVISIBLE = frozenset({"Cc", "Cf", "Cs"})
# Replaced: path separators, the header's own punctuation, what Windows refuses in a name.
RESERVED = re.compile(r'[\\/";:*?<>|]')
NOT_PLAIN_ASCII = re.compile(r"[^A-Za-z0-9 ._()\[\]+,=@&!~-]")
EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}$")


def download_headers(filename: str, *, inline: bool = False) -> dict[str, str]:
    """The `content-disposition` header for a file named `filename`: shown in the browser if `inline`, else saved."""
    name = safe_filename(filename)
    fallback = _ascii_fallback(name)
    value = f'{"inline" if inline else "attachment"}; filename="{fallback}"'
    if name != fallback:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return {"content-disposition": value}


def safe_filename(filename: str) -> str:
    """The name without invisible characters, nor punctuation that means something in a header or a path (made "_");
    at most MAX_BYTES in UTF-8 with its extension kept; "download" if nothing is left."""
    name = "".join(" " if ch.isspace() else "" if unicodedata.category(ch) in INVISIBLE else ch
                   for ch in unicodedata.normalize("NFC", filename))
    name = re.sub(r" {2,}", " ", RESERVED.sub("_", name)).strip().rstrip(".")
    found = EXTENSION.search(name)
    extension = found.group() if found else ""
    stem = name[:len(name) - len(extension)].lstrip(".")  # no hidden files
    stem = stem.encode()[:MAX_BYTES - len(extension)].decode(errors="ignore").rstrip()
    return (stem or "download") + extension


def _ascii_fallback(name: str) -> str:
    """The name in plain ASCII for clients without RFC 5987: accents dropped, other letters as "_"."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))
    plain = re.sub(r"_{2,}", "_", NOT_PLAIN_ASCII.sub("_", plain))
    found = EXTENSION.search(plain)
    extension = found.group() if found and found.start() > 0 else ""
    return plain if plain[:len(plain) - len(extension)].strip("_ .") else "download" + extension
