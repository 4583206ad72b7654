"""Help where it is needed: every page links to the section of the guide that explains it (`help_link`), and the
app serves the guides in the reader's language where they are translated."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import File, Template

from opsplatform.i18n import current_language
from opsplatform.paths import DOCS
from opsplatform.rendering import guides
from opsplatform.web.redirects import url_for

# The section that explains a page, by the page's route name (a name ending in ":" covers every route it begins).
SECTIONS: dict[str, tuple[str, str]] = {
    "operations:detail": ("focal-point", "logging-a-seizure"),
    "seizures:new": ("focal-point", "logging-a-seizure"), "seizures:edit": ("focal-point", "logging-a-seizure"),
    "seizures:detail": ("focal-point", "queries-from-the-coordinator"),
    "seizures:completeness": ("focal-point", "nothing-to-report"),
    "imports": ("focal-point", "importing-a-sheet"), "imports:": ("focal-point", "importing-a-sheet"),
    "operations:new": ("coordinator", "creating-an-operation"),
    "operations:edit": ("coordinator", "creating-an-operation"),
    "team": ("coordinator", "the-team-an-operation-is-a-closed-group"),
    "dashboard": ("coordinator", "dashboard-maps-and-exports"),
    "seizures:list": ("coordinator", "following-the-results"),
    "documents": ("coordinator", "documents-and-their-scope"),
    "jobs": ("coordinator", "jobs"),
    "release": ("press-officer", "the-public-results-release"),
    "release:": ("press-officer", "the-public-results-release"),
    "releases:": ("press-officer", "the-public-results-release"),
    "password:set": ("focal-point", "joining"), "records:search": ("coordinator", "following-the-results"),
    "operations:compare": ("coordinator", "following-the-results"),
    "admin:": ("admin", "accounts"),
}
# Elsewhere, the guide of the reader's role (its beginning).
ROLE_GUIDES = {"focal_point": "focal-point", "coordinator": "coordinator", "analyst": "coordinator",
               "press_officer": "press-officer", "admin": "admin"}
IMAGE = re.compile(r"[\w-]+\.png")


def help_link(ctx: Any) -> str:
    """The help address for the page being drawn: its section of the guide, or the reader's guide."""
    request: Request = ctx["request"]
    route = request.scope.get("route_handler")
    name = getattr(route, "name", None) or ""
    section = SECTIONS.get(name) or next((place for prefix, place in SECTIONS.items()
                                          if prefix.endswith(":") and name.startswith(prefix)), None)
    if section:
        guide, anchor = section
        return f"{url_for(request.app, 'help', guide=guide)}#{anchor}"
    user = request.scope.get("user")
    return url_for(request.app, "help", guide=ROLE_GUIDES.get(getattr(user, "role", ""), "focal-point"))


@get("/help/{guide:str}", name="help", include_in_schema=False)
async def help_page(guide: FromPath[str]) -> Template:
    """A guide, open to all (guides hold no operation's data): in the reader's language, or in English, saying so."""
    found = guides.guide(guide, current_language())
    if found is None:
        raise NotFoundException()
    return Template("help.html", context={"guide": found, "untranslated": found.language != current_language()})


@get("/help/images/{file_name:str}", name="help:image", include_in_schema=False)
async def help_image(file_name: FromPath[str]) -> File:
    """A picture of the guides (only the guides' own PNG files: no path reaches elsewhere)."""
    path = DOCS / "images" / file_name
    if not IMAGE.fullmatch(file_name) or not path.is_file():
        raise NotFoundException()
    return File(path, media_type="image/png", content_disposition_type="inline")
