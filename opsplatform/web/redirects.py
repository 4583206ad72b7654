"""Where a link or redirect goes: built from the route's name, and only to paths on this site, so a crafted link
cannot bounce a user elsewhere."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from litestar import Litestar, Request
from litestar.response import Redirect

from opsplatform import paths


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


def url_for(app: Litestar, name: str, /, fmt: str | None = None, **params: Any) -> str:
    """The path of the route named `name` with its parameters, so no handler or template spells a path by hand.
    A route served in several formats (export.csv, export.xlsx) takes the one wanted as `fmt`; a static file's address
    carries its fingerprint."""
    path = app.route_reverse(name, **params)
    if name == "static" and (version := paths.fingerprint(params["file_path"])):
        return f"{path}?v={version}"  # see web/headers.py: kept for a year
    if fmt is None:
        return path
    formats = {p.rsplit(".", 1)[-1] for p in app.get_handler_index_by_name(name)["paths"]}  # type: ignore[index]
    if fmt not in formats:
        raise ValueError(f"route {name} has no format {fmt}")
    return f"{path.rsplit('.', 1)[0]}.{fmt}"


def redirect_to(request: Request, name: str, /, *, anchor: str | None = None, query: dict[str, str] | None = None,
                **params: Any) -> Redirect:
    """A redirect to the route named `name` (see `url_for`), at a section of the page or with a query."""
    path = url_for(request.app, name, **params)
    return Redirect(path + (f"?{urlencode(query, safe='/')}" if query else "") + (f"#{anchor}" if anchor else ""))
