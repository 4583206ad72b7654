"""Where a redirect may go: only paths on this site, so a crafted link cannot bounce a user elsewhere."""

from __future__ import annotations

from urllib.parse import urlsplit


def same_site_path(target: str | None, default: str = "/") -> str:
    """`target` when it is a path on this site, else `default`.

    Refused: anything not starting with a single "/", protocol-relative "//host", any backslash (browsers read
    "/\\host" as "//host"), control characters (browsers drop tabs and newlines, turning "/\\t/host" into "//host")
    and anything that parses with a scheme or host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
