"""Every page in French and Spanish: no heading, label, table header or button is left in English.

The route walk and the world of the access matrix (tests/test_access_matrix.py): every HTML page a coordinator, a
focal point and a visitor may open is fetched in English, French and Spanish (the language set on the account, or
the visitor's cookie), and the headings of each language are compared with the English ones. A heading that is the
same in both is fine when it is data (a name, a code, a number) or the catalogue's own translation (French "Date" is
"Date"); anything else is English that was not translated.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from html.parser import HTMLParser

from babel import Locale
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from opsplatform.i18n import LANGUAGE_NAMES
from opsplatform.models.auth import User
from opsplatform.models.operations import Operation, Route
from opsplatform.models.reference import Network, Organisation, Taxon
from opsplatform.models.seizures import Seizure, SheetImport
from opsplatform.web.authentication import LANGUAGE_COOKIE
from opsplatform.web.csrf import token_for
from tests.test_access_matrix import FIXED, MATRIX, QUERY, ROLES, expectations, world_fixture  # noqa: F401  (fixture)
from tests.test_translations import catalogue

HEADINGS = {"h1", "h2", "h3", "legend", "th", "label", "button", "summary", "dt"}
LANGUAGES = ("fr", "es")
PEOPLE = ("anonymous", "admin", "lead", "own_fp")
# Not pages: files, the API and its documentation, map frames (folium), stored documents (in the language they were
# generated in, whoever reads them).
NOT_PAGES = re.compile(r"^/(api|schema|static)\b|^/health$|\.(csv|xlsx|pdf|docx|json|geojson|txt|ico)$|"
                       r"/map/|routes-map$|^/documents/|/file$")
SEPARATORS = re.compile(r"\s*(?:[·:;()\[\],/–—→?!.…*%]|\d+(?:[.,]\d+)*)\s*")
WORDS = re.compile(r"[^\W\d_]+")


class Headings(HTMLParser):
    """The text of each heading-like element (h1–h3, legend, th, label, button, summary, dt), in page order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.open: list[list[str]] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HEADINGS:
            self.open.append([])
        self.skip += tag in ("select", "script", "style", "template")

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("select", "script", "style", "template")
        if tag in HEADINGS and self.open:
            text = " ".join("".join(self.open.pop()).split())
            if text:
                self.found.append(text)

    def handle_data(self, data: str) -> None:
        if self.open and not self.skip:
            self.open[-1].append(data)


def headings(html: str) -> list[str]:
    parser = Headings()
    parser.feed(html)
    return parser.found


@cache
def translated_fragments(language: str) -> frozenset[str]:
    """Every piece of every translation in the catalogue, split as headings are split."""
    pieces = set()
    for message in catalogue(language):
        strings = [message.string] if isinstance(message.string, str) else list(message.string or ())
        for string in strings:
            pieces.update(p for p in SEPARATORS.split(re.sub(r"%\(\w+\)s|%%", " ", string or "")) if p)
    return frozenset(pieces)


def untranslated(heading: str, language: str, names: set[str]) -> bool:
    """A heading, the same in English and in `language`, that has words which are neither data nor the catalogue's
    translation."""
    for name in sorted(names, key=len, reverse=True):
        heading = heading.replace(name, " ")
    for fragment in SEPARATORS.split(heading):
        words = [w for w in WORDS.findall(fragment) if len(w) > 1 and (w.islower() or w.istitle())]  # not codes
        if words and " ".join(words) not in translated_fragments(language):
            return True
    return False


async def data_names(db) -> set[str]:  # type: ignore[no-untyped-def]
    """Names that come from the data, the same in every language: people, operations, routes, taxa, references."""
    names = set()
    for column in (User.name, User.email, Operation.name, Operation.code, Route.name, Taxon.scientific_name,
                   Organisation.name, Network.name, Seizure.seizure_ref, Seizure.location, SheetImport.filename):
        names.update(value for value in (await db.scalars(select(column))).all() if value)
    names.update(LANGUAGE_NAMES.values())  # each language's name in itself, in every language
    return names


def place_names(language: str) -> set[str]:
    """Countries and regions as CLDR names them in a language: "Kenya" is French too, "Africa" is not."""
    return set(Locale.parse(language).territories.values())


def page_urls(role: str) -> list[str]:
    """Every GET page the role may open in its own context (the first answer of the matrix is 200)."""
    urls = []
    for (method, path), by_role in sorted((k, expectations(k)) for k in MATRIX):
        if method != "GET" or by_role[role] != "200":
            continue
        url = re.sub(r"\{(\w+):\w+\}", lambda m: FIXED.get(m[1]) or m[0], path) + QUERY.get((method, path), "")
        if not NOT_PAGES.search(url):
            urls.append(url)
    return urls


async def test_no_page_shows_an_english_heading_in_french_or_spanish(world, db):  # type: ignore[no-untyped-def]
    names = await data_names(db)
    seen: dict[tuple[str, str, str], list[str]] = {}
    async with AsyncTestClient(app=world.app) as client:
        client.follow_redirects = False
        for role in PEOPLE:
            for language in ("en", *LANGUAGES):
                client.cookies.clear()
                if role == "anonymous":
                    client.cookies.set(LANGUAGE_COOKIE, language)
                else:  # the header's switch saves the language on the account
                    client.cookies.set("opsp_session", world.sessions[role])
                    answer = await client.post("/language", data={"language": language, "next": "/", "_csrf_token":
                                                                  token_for(world.settings.effective_secret_key,
                                                                            world.sessions[role])})
                    assert answer.status_code == 302
                for url in page_urls(role):
                    url = re.sub(r"\{(\w+):\w+\}", lambda m: world.values[m[1]], url)
                    response = await client.get(url)
                    assert response.status_code == 200, (role, language, url, response.status_code)
                    if response.headers["content-type"].startswith("text/html"):
                        seen[(role, url, language)] = headings(response.text)
    failures, compared = [], 0
    for (role, url, language), found in sorted(seen.items()):
        if language == "en":
            continue
        english = Counter(seen[(role, url, "en")])
        compared += len(found)
        for heading in sorted(set(found)):
            if english[heading] and untranslated(heading, language, names | place_names(language)):
                failures.append(f"{language} {url} as {role}: {heading!r}")
    assert compared > 500, f"only {compared} headings compared: is the route walk still finding the pages?"
    assert not failures, f"{len(failures)} headings still in English:\n" + "\n".join(failures)
