"""The user guides (docs/*.md) as the app's help pages: Markdown rendered once per guide and language, headings given
ids so a page's help link lands on its section, links between guides and to their pictures pointed at the app.

A translation of a guide lives beside it as docs/<language>/<guide>.md; without one the English guide is served and
the page says so."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

from opsplatform.paths import DOCS

# The guides the app serves, by the name in their address.
GUIDES = {"focal-point": "focal-point-guide", "coordinator": "coordinator-guide",
          "press-officer": "press-officer-guide", "admin": "admin-guide", "reference": "reference"}
_FILES = {file: name for name, file in GUIDES.items()}
MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")  # the guides' own text, never raw HTML
_LINK = re.compile(r'(href|src)="(?!https?:|mailto:|#)([^"#]*)(#[^"]*)?"')


@dataclass(frozen=True)
class Guide:
    title: str
    body: Markup
    language: str  # the language it is written in: English where no translation exists


def slug(text: str) -> str:
    """A heading's id as GitHub writes it, so links that work in the repository work here: "Nothing to report" is
    nothing-to-report."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", plain).strip())


def _headings(tokens: list[Token]) -> list[Token]:
    return [token for token in tokens if token.type == "heading_open"]


def _parse(path: Path) -> list[Token]:
    return MARKDOWN.parse(path.read_text(encoding="utf-8"))


@cache
def guide(name: str, language: str) -> Guide | None:
    """The guide called `name` in `language`, else in English; None for a name that is not a guide. A translation's
    headings take the ids of the English ones at the same places, so a page's help link finds its section in every
    language."""
    if name not in GUIDES:
        return None
    english = _parse(DOCS / f"{GUIDES[name]}.md")
    ids = [slug(english[english.index(heading) + 1].content) for heading in _headings(english)]
    translated = DOCS / language / f"{GUIDES[name]}.md"
    tokens, written_in = (_parse(translated), language) if language != "en" and translated.is_file() \
        else (english, "en")
    headings = _headings(tokens)
    same_shape = len(headings) == len(ids)
    for i, heading in enumerate(headings):
        heading.attrSet("id", ids[i] if same_shape else slug(tokens[tokens.index(heading) + 1].content))
    title = tokens[tokens.index(headings[0]) + 1].content if headings else name
    html = MARKDOWN.renderer.render(tokens, MARKDOWN.options, {})
    return Guide(title, Markup(_LINK.sub(_app_link, html)), written_in)


def _app_link(match: re.Match[str]) -> str:
    """A link to another guide becomes its help page; a picture is served from the guides' images."""
    attribute, target, anchor = match.group(1), match.group(2), match.group(3) or ""
    target = target.removeprefix("../").removeprefix("./")
    if target.removesuffix(".md") in _FILES:
        return f'{attribute}="{_FILES[target.removesuffix(".md")]}{anchor}"'
    if target.startswith("images/"):
        return f'{attribute}="{target}"'
    return f'{attribute}="#"' if target.endswith(".md") else match.group(0)
