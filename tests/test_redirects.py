"""Redirect targets taken from requests or stored links stay on this site."""

from __future__ import annotations

import pytest

from opsplatform.web.redirects import same_site_path


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
