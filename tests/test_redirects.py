"""Links and redirects are built from route names, and targets taken from requests or stored links stay on this
site."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from opsplatform.web.redirects import same_site_path, url_for

ROOT = Path(__file__).resolve().parent.parent
# Rendered outside a request (files people download or receive): they carry no links into the app's pages.
OUTSIDE_REQUESTS = {"cases/ecomessage.html", "releases/release.html"}


def test_no_page_or_handler_spells_a_path_by_hand():
    spelt = [f"{path.relative_to(ROOT)}:{n}" for path in sorted((ROOT / "templates").rglob("*.html"))
             if path.relative_to(ROOT / "templates").as_posix() not in OUTSIDE_REQUESTS
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if re.search(r'(href|action|src|hx-get|hx-post|value)="/|(?<!file_path=)[\'"]/[a-z]', line)]
    spelt += [f"{path.relative_to(ROOT)}:{n}" for path in sorted((ROOT / "opsplatform" / "web").rglob("*.py"))
              for n, line in enumerate(path.read_text().splitlines(), 1) if re.search(r'Redirect\(f?"/', line)]
    assert not spelt, spelt


def test_a_route_served_in_several_formats_is_named_with_its_format(client):
    app = client.app
    assert url_for(app, "dashboard:export", code="THUNDER-2026", fmt="xlsx") == "/operations/THUNDER-2026/export.xlsx"
    assert url_for(app, "dashboard:export", code="THUNDER-2026", fmt="csv") == "/operations/THUNDER-2026/export.csv"
    with pytest.raises(ValueError, match="no format"):
        url_for(app, "dashboard:export", code="THUNDER-2026", fmt="exe")


@pytest.mark.parametrize("target", ["/", "/cases?page=2", "/operations/3/seizures#top", "/a//b", "/search?q=http://x"])
def test_same_site_paths_are_kept(target):
    assert same_site_path(target) == target


@pytest.mark.parametrize("target", [
    None, "", "cases", "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example",
    "/cases\\..\\x", "https://evil.example/", "javascript:alert(1)", "mailto:a@b.c", "/\t/evil.example",
    "/\n/evil.example", " /cases",
])
def test_anything_else_falls_back_to_the_default(target):
    assert same_site_path(target) == "/"
    assert same_site_path(target, default="/notifications") == "/notifications"
