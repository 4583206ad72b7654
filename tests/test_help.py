"""Help where it is needed: every page links to the section of the guide that explains it, and the app serves the
guides (in the reader's language where translated, else in English, saying so)."""

from __future__ import annotations

import re

from opsplatform.app import create_app
from opsplatform.paths import DOCS
from opsplatform.rendering import guides
from opsplatform.settings import Settings
from opsplatform.web.pages.help import SECTIONS
from tests.conftest import login
from tests.results_support import active_operation

BASE = "/operations/THUNDER-2026"


def ids(name: str) -> set[str]:
    return set(re.findall(r' id="([^"]+)"', guides.guide(name, "en").body))


def test_every_section_named_exists_in_its_guide_and_every_route_named_exists():
    routes = {handler.name for route in create_app(Settings()).routes for handler in route.route_handlers}
    for route, (guide, anchor) in SECTIONS.items():
        assert anchor in ids(guide), f"{route}: no section #{anchor} in the {guide} guide"
        assert route in routes or (route.endswith(":") and any(r and r.startswith(route) for r in routes)), route


def test_links_between_guides_and_pictures_point_at_the_app():
    for name in guides.GUIDES:
        body = guides.guide(name, "en").body
        assert not re.search(r'href="[^"#]*\.md', body), name  # no link left to a Markdown file
        for picture in re.findall(r'src="([^"]+)"', body):
            assert re.fullmatch(r"images/[\w-]+\.png", picture), picture


SECTIONS_SEEN = [  # who opens which page, and where its help link leads
    ("kenya", f"{BASE}/seizures/new", "/help/focal-point#logging-a-seizure"),
    ("kenya", f"{BASE}/completeness", "/help/focal-point#nothing-to-report"),
    ("coordinator", f"{BASE}/dashboard", "/help/coordinator#dashboard-maps-and-exports"),
    ("press", f"{BASE}/release", "/help/press-officer#the-public-results-release"),
    ("analyst", "/", "/help/coordinator"),  # no section of its own: the reader's guide
]


async def test_each_page_links_to_the_section_that_explains_it(client, db, cast):
    await active_operation(db)
    for who, page, section in SECTIONS_SEEN:
        await login(client, getattr(cast, who))
        shown = await client.get(page)
        assert shown.status_code == 200, page
        link = re.search(r'<a href="([^"]+)" class="help-link">Help</a>', shown.text).group(1)
        assert link == section, page
        path, _sep, anchor = link.partition("#")
        guide = await client.get(path)
        assert guide.status_code == 200, path
        assert not anchor or f'id="{anchor}"' in guide.text, link


async def test_the_login_page_has_help_too_and_a_guide_needs_no_account(client):
    login_page = await client.get("/login")
    assert 'class="help-link"' in login_page.text
    guide = await client.get("/help/focal-point")
    assert guide.status_code == 200 and "<h1" in guide.text and "Focal point guide" in guide.text


async def test_a_guide_not_yet_translated_says_so_in_the_readers_language(client):
    page = await client.get("/help/admin", headers={"Accept-Language": "fr"})
    assert "pas encore traduit" in page.text
    assert 'lang="en"' in page.text  # the guide itself is marked as English for screen readers


async def test_the_focal_point_guide_is_served_in_the_readers_language(client):
    for translated in ("fr", "es"):
        page = await client.get("/help/focal-point", headers={"Accept-Language": translated})
        assert f'<article class="guide" lang="{translated}">' in page.text, translated
        assert "not yet translated" not in page.text


async def test_pictures_are_served_and_nothing_else_is(client):
    picture = await client.get("/help/images/focal-point-operation.png")
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/png"
    for path in ("/help/images/..%2F..%2Fpyproject.toml", "/help/images/nope.png", "/help/nope",
                 "/help/images/focal-point-operation.svg"):
        assert (await client.get(path)).status_code == 404, path


def test_every_translated_guide_has_the_english_headings_in_the_same_places():
    translated = sorted(DOCS.glob("*/*.md"))
    assert translated, "no translated guide"
    for path in translated:
        english = DOCS / path.name
        levels = [re.findall(r"^(#+) ", file.read_text(encoding="utf-8"), re.M) for file in (english, path)]
        assert levels[0] == levels[1], path
        name = next(n for n, file in guides.GUIDES.items() if file == path.stem)
        assert ids(name) == set(re.findall(r' id="([^"]+)"', guides.guide(name, path.parent.name).body)), path
