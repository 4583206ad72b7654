"""Light on a slow line: pages and data compressed, static files named by their content and kept a year, files
already packed sent as they are."""

from __future__ import annotations

import re

from opsplatform import paths
from tests.conftest import login
from tests.results_support import active_operation


async def test_pages_are_compressed_with_brotli_or_gzip(client, cast):
    for encoding in ("br", "gzip"):
        page = await client.get("/login", headers={"accept-encoding": encoding})
        assert page.status_code == 200 and page.headers["content-encoding"] == encoding
        assert "<form" in page.text  # read back through the encoding
    plain = await client.get("/login", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers


async def test_static_files_are_named_by_their_content_and_kept_a_year(client):
    page = (await client.get("/login")).text
    stylesheet = re.search(r'href="(/static/css/app\.css\?v=([0-9a-f]{12}))"', page)
    assert stylesheet and stylesheet[2] == paths.fingerprint("css/app.css")
    kept = await client.get(stylesheet[1])
    assert kept.status_code == 200 and kept.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert kept.headers["content-encoding"] in ("br", "gzip")
    unversioned = await client.get("/static/css/app.css")
    assert unversioned.headers["cache-control"] == "no-cache"  # checked again on each use
    vendor = await client.get("/static/vendor/leaflet-1.9.4/leaflet.js")
    assert vendor.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert (await client.get("/static/css/nothing.css?v=1")).status_code == 404


def test_a_fingerprint_follows_the_content(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "STATIC", tmp_path)
    (tmp_path / "a.css").write_text("body { color: red }")
    first = paths.fingerprint.__wrapped__("a.css")
    (tmp_path / "a.css").write_text("body { color: blue }")
    assert first != paths.fingerprint.__wrapped__("a.css") and len(first) == 12
    assert paths.fingerprint.__wrapped__("../outside.css") == "" == paths.fingerprint.__wrapped__("missing.css")


async def test_packed_files_are_not_compressed_again(client, db, cast):
    operation = await active_operation(db)
    await login(client, cast.coordinator)
    sheet = await client.get(f"/operations/{operation.code}/export.xlsx", headers={"accept-encoding": "br, gzip"})
    assert sheet.status_code == 200 and "content-encoding" not in sheet.headers
    data = await client.get("/schema/openapi.json", headers={"accept-encoding": "br, gzip"})
    assert data.status_code == 200 and data.headers["content-encoding"] == "br" and data.json()["paths"]
