"""Dashboard, maps and exports per role: what each sees and does not see; an export equals the filtered page."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import openpyxl
import pytest
from sqlalchemy import select

from opsplatform.models.seizures import Seizure
from opsplatform.reporting import exports, maps
from opsplatform.reporting.filters import ResultFilter
from tests.conftest import login
from tests.results_support import IVORY, active_operation, bearer, many_records, map_popups, member

BASE = "/operations/THUNDER-2026"


@pytest.fixture
async def results(db, client, cast):
    """Kenya logs two seizures (one with a named suspect), Tanzania one, Uganda (consent: none) one."""
    await active_operation(db)
    for user, ref, country, day in ((cast.kenya, "KE-1", None, "2026-10-03"), (cast.kenya, "KE-2", None, "2026-10-09"),
                                    (cast.tanzania, "TZ-1", None, "2026-10-04"),
                                    (cast.coordinator, "UG-1", "UGA", "2026-10-05")):
        body = {**IVORY, "seizure_ref": ref, "seizure_date": day, "reporting_country": country}
        if user is not cast.kenya:
            body.pop("suspects")
        response = await client.post(f"/api/v1{BASE}/seizures", json=body, headers=await bearer(db, user))
        assert response.status_code == 201, response.text


@pytest.mark.parametrize("role", ["coordinator", "kenya", "tanzania", "analyst", "press"])
async def test_every_member_role_gets_a_dashboard(client, db, cast, results, role):
    await login(client, getattr(cast, role))
    page = await client.get(f"{BASE}/dashboard")
    assert page.status_code == 200
    assert "Seizures per day" in page.text and "Tran Van A" not in page.text and "C1234567" not in page.text
    figures = re.search(r"<strong>([\d,]+)</strong><span>seizures</span>", page.text).group(1)
    assert figures == ("3" if role == "press" else "4")  # the press officer never sees Uganda (consent: none)


async def test_the_admin_has_no_dashboard(client, db, cast, results):
    await login(client, cast.admin)
    assert (await client.get(f"{BASE}/dashboard")).status_code == 404  # not in the operation's closed group


async def test_the_dashboard_refreshes_itself_while_active(client, db, cast, results):
    await login(client, cast.coordinator)
    page = await client.get(f"{BASE}/dashboard")
    assert 'hx-trigger="every 30s"' in page.text
    partial = await client.get(f"{BASE}/dashboard", headers={"HX-Request": "true"})
    assert "<html" not in partial.text and "Seizures per day" in partial.text


async def test_an_export_equals_the_filtered_records_page(client, db, cast, results):
    await login(client, cast.kenya)
    page = await client.get(f"{BASE}/seizures", params={"end": "2026-10-05"})
    shown = set(re.findall(r"/seizures/\d+\">([A-Z]{2}-\d)<", page.text))
    exported = await client.get(f"{BASE}/export.csv",
                                params={"end": "2026-10-05", "fields": ["seizure_ref", "item_no"]})
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert {r["seizure_ref"] for r in rows} == shown == {"KE-1"}
    assert len(rows) == 2 and list(rows[0]) == ["seizure_ref", "item_no"]


async def test_exports_in_three_formats_hold_no_nominal_data(client, db, cast, results):
    await login(client, cast.coordinator)
    for fmt in ("csv", "xlsx", "geojson"):
        response = await client.get(f"{BASE}/export.{fmt}")
        assert response.status_code == 200
        text = response.content.decode("utf-8", "ignore") if fmt != "xlsx" else " ".join(
            str(c.value) for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows()
            for c in row)
        assert "Tran Van A" not in text and "C1234567" not in text and "1980-02-03" not in text
        assert "KE-1" in text and "UG-1" in text
    geo = json.loads((await client.get(f"{BASE}/export.geojson")).content)
    assert geo["features"][0]["geometry"] == {"type": "Point", "coordinates": [36.93, -1.32]}


async def test_an_export_filtered_by_taxon_lists_that_taxons_items(client, db, cast, results):
    body = {**IVORY, "seizure_ref": "KE-3", "seizure_date": "2026-10-06", "items": [
        {"taxon": "Manis javanica", "term": "SCA", "quantity": 8, "unit": "kg"}, *IVORY["items"]]}
    body.pop("suspects")
    response = await client.post(f"/api/v1{BASE}/seizures", json=body, headers=await bearer(db, cast.kenya))
    assert response.status_code == 201, response.text
    await login(client, cast.coordinator)
    for params in ({"taxa": "Manis"}, {"terms": "SCA"}, {"taxa": "Manis javanica", "terms": "SCA,TUS"}):
        exported = await client.get(f"{BASE}/export.csv", params={**params, "fields": ["seizure_ref", "item_no",
                                                                                      "taxon", "term"]})
        assert exported.status_code == 200, params
        rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert rows == [{"seizure_ref": "KE-3", "item_no": "1", "taxon": "Manis javanica", "term": "SCA"}], params
    geo = json.loads((await client.get(f"{BASE}/export.geojson", params={"taxa": "Manis"})).content)
    assert [f["properties"]["seizure_ref"] for f in geo["features"]] == ["KE-3"]


async def test_an_export_written_a_batch_at_a_time_is_the_file_written_whole():
    fields = ["seizure_ref", "notes", "latitude", "longitude"]
    rows = [["KE-1", "'=1+1", -1.32, 36.93], ["KE-2", None, None, None], ["TZ-1", "Dar es Salaam; ü", 0.5, 1.5]]

    async def batches(*sizes):
        start = 0
        for size in sizes:
            yield rows[start:start + size]
            start += size

    whole = io.StringIO()
    csv.writer(whole, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerows([fields, *rows])
    features = [{"type": "Feature", "properties": dict(zip(fields, row, strict=True)),
                 "geometry": {"type": "Point", "coordinates": [row[3], row[2]]} if row[2] is not None else None}
                for row in rows]
    for sizes in ((3,), (1, 2), (1, 1, 1), (0, 3)):
        written = b"".join([c async for c in exports.csv_chunks(batches(*sizes), fields)])
        assert written == ("\ufeff" + whole.getvalue()).encode()
        written = b"".join([c async for c in exports.geojson_chunks(batches(*sizes), fields)])
        assert json.loads(written) == {"type": "FeatureCollection", "features": features}
        assert json.loads(written)["features"][1]["geometry"] is None
        assert "Dar es Salaam; ü" in written.decode()  # UTF-8 as it is, not escaped
    nothing = b"".join([c async for c in exports.geojson_chunks(batches(), fields)])
    assert json.loads(nothing) == {"type": "FeatureCollection", "features": []}


async def test_a_focal_point_exports_only_what_it_sees_in_full(client, db, cast, results):
    await login(client, cast.tanzania)
    rows = (await client.get(f"{BASE}/export.csv")).content.decode("utf-8-sig")
    assert "TZ-1" in rows and "KE-1" not in rows and "UG-1" not in rows


async def test_a_press_officer_cannot_export_records(client, db, cast, results):
    await login(client, cast.press)
    assert (await client.get(f"{BASE}/export.csv")).status_code == 403


async def test_bad_export_fields_are_named(client, db, cast, results):
    await login(client, cast.coordinator)
    response = await client.get(f"{BASE}/export.csv", params={"fields": ["seizure_ref", "suspect_name"]})
    assert response.status_code == 400 and "unknown fields suspect_name" in response.text


@pytest.mark.parametrize("kind", ["points", "countries", "flows"])
async def test_maps_work_offline_and_show_no_nominal_data(client, db, cast, results, kind):
    await login(client, cast.tanzania)
    response = await client.get(f"{BASE}/map/{kind}")
    assert response.status_code == 200
    assert re.findall(r"https?://[^\"' )]+", response.text) == []
    assert "Tran Van A" not in response.text
    if kind == "points":
        assert "TZ-1" in response.text and "KE-1" not in response.text  # points are records: own country only


async def test_above_the_threshold_the_database_counts_the_points_in_cells(client, db, cast):
    operation = await active_operation(db)
    await many_records(db, operation, maps.SERVER_CLUSTER_THRESHOLD * 2, seed=5)
    coordinator, kenya = await member(db, cast.coordinator, operation), await member(db, cast.kenya, operation)

    cells = await maps.seizure_points(db, coordinator, ResultFilter())
    assert all(isinstance(c, maps.Cell) for c in cells) and 10 < len(cells) <= maps.MAX_CELLS
    assert sum(c.seizures for c in cells) == maps.SERVER_CLUSTER_THRESHOLD * 2
    assert all(-60 <= c.latitude <= 75 and -180 <= c.longitude <= 180 for c in cells)  # each its points' mean
    # The focal point's own and the shared: under the threshold, points with their words.
    points = await maps.seizure_points(db, kenya, ResultFilter())
    assert all(isinstance(p, maps.SeizurePoint) for p in points) and 0 < len(points) <= maps.SERVER_CLUSTER_THRESHOLD

    await login(client, cast.coordinator)
    page = await client.get(f"{BASE}/map/points")
    assert page.status_code == 200 and len(page.content) < 200_000 and "markerClusterGroup" not in page.text


async def test_a_reference_written_as_a_template_is_shown_not_run_on_the_map(client, db, cast, results):
    """The map's script passes through a template engine (folium's): typed text must reach it as text, never as
    template code that the server would run."""
    payload = "{{ 7 * 7 }}{% for x in range(3) %}X{% endfor %}"
    body = {**IVORY, "seizure_ref": payload, "seizure_date": "2026-10-06"}
    response = await client.post(f"/api/v1{BASE}/seizures", json=body, headers=await bearer(db, cast.kenya))
    assert response.status_code == 201, response.text

    await login(client, cast.kenya)
    page = (await client.get(f"{BASE}/map/points")).text
    popups = map_popups(page)
    assert "49" not in "".join(popups) and "X·" not in "".join(popups)
    assert any(html.unescape(popup).split(" · ")[2] == payload for popup in popups)


async def test_a_popup_reads_in_the_readers_language(client, db, cast, results):
    cast.kenya.language = "fr"
    await db.commit()
    await login(client, cast.kenya)
    page = await client.get(f"{BASE}/map/points")
    assert "3 oct. 2026 · Kenya · KE-1 · Fret aérien" in map_popups(page.text)


async def test_the_map_of_a_press_officer_leaves_out_countries_without_consent(client, db, cast, results):
    await login(client, cast.press)
    assert (await client.get(f"{BASE}/map/countries")).status_code == 200
    figures = (await client.get(f"/api/v1{BASE}/summary", headers=await bearer(db, cast.press))).json()
    assert {e["country"] for e in figures["by_country"]} == {"KEN", "other"}
    assert await db.scalar(select(Seizure.id).where(Seizure.reporting_country == "UGA"))


async def test_routes_and_their_legs_are_counted_through_transit_countries(db, cast, results):
    from opsplatform.database import utcnow
    from opsplatform.models.operations import Operation
    from opsplatform.reporting.filters import ResultFilter
    from opsplatform.reporting.summary import breakdowns, route_figures

    operation = await db.scalar(select(Operation))
    more = await breakdowns(db, await member(db, cast.coordinator, operation), ResultFilter(), utcnow())
    assert more["routes"] == [{"path": ["KEN", "ARE", "VNM"], "seizures": 4}]
    assert more["flows"] == [{"origin": "KEN", "destination": "VNM", "seizures": 4}]
    assert more["legs"] == [{"origin": "ARE", "destination": "VNM", "seizures": 4},
                            {"origin": "KEN", "destination": "ARE", "seizures": 4}]
    # The flows map reads the routes' figures alone, and finds the same.
    routes = await route_figures(db, await member(db, cast.coordinator, operation), ResultFilter())
    assert routes == {key: more[key] for key in ("routes", "flows", "legs")}


async def test_new_since_yesterday_counts_the_records_logged_in_the_last_day_within_the_scope(db, cast, results):
    from datetime import timedelta

    from sqlalchemy import update

    from opsplatform.database import utcnow
    from opsplatform.models.operations import Operation
    from opsplatform.reporting.filters import ResultFilter
    from opsplatform.reporting.summary import breakdowns

    await db.execute(update(Seizure).where(Seizure.seizure_ref == "KE-1").values(
        created_at=utcnow() - timedelta(days=2)))
    await db.commit()
    operation = await db.scalar(select(Operation))
    seen = {who: (await breakdowns(db, await member(db, user, operation), ResultFilter(), utcnow()))[
        "new_since_yesterday"] for who, user in (("coordinator", cast.coordinator), ("kenya", cast.kenya))}
    assert seen == {"coordinator": 3, "kenya": 3}  # KE-1 is two days old; a count, like the figures, spans countries
