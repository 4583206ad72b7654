"""Follow-up to prosecution: countries record case steps also after the operation closed; the case status is the
furthest stage; the funnel per country, computed here independently, follows, with press consent rules."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from opsplatform.cases.followup import followup_funnel
from opsplatform.models.cases import CaseEvent
from opsplatform.models.seizures import Seizure
from opsplatform.models.vocabulary import CASE_STAGES
from opsplatform.operations.services import set_phase
from tests.cases_support import logged
from tests.conftest import form_post, login
from tests.results_support import active_operation, bearer, member

API = "/api/v1/operations/THUNDER-2026"
# (reference, country, logged by, stages recorded, status)
CASES = [("KE-1", "KEN", "kenya", ["investigation", "charges", "conviction"], "submitted"),
         ("KE-2", "KEN", "kenya", ["investigation"], "submitted"),
         ("KE-3", "KEN", "kenya", [], "submitted"),
         ("KE-4", "KEN", "kenya", ["prosecution"], "draft"),
         ("TZ-1", "TZA", "tanzania", ["charges", "sentence"], "submitted"),
         ("UG-1", "UGA", "coordinator", ["asset_forfeiture"], "submitted")]


def expected(cases: list[tuple], countries: dict[str, str]) -> list[dict]:
    """Per country (renamed as `countries` says; absent ones left out): counted seizures and stages reached."""
    rows: dict[str, dict] = {}
    for _ref, country, _who, stages, status in cases:
        shown = countries.get(country)
        if shown is None or status == "draft":
            continue
        row = rows.setdefault(shown, {"country": shown, "seizures": 0, **dict.fromkeys(CASE_STAGES, 0)})
        row["seizures"] += 1
        furthest = max((CASE_STAGES.index(s) for s in stages), default=-1)
        for n, stage in enumerate(CASE_STAGES):
            row[stage] += n <= furthest
    ordered = sorted(rows.values(), key=lambda r: (r["country"] == "other", -r["seizures"], r["country"]))
    total = {"country": "total", **{k: sum(r[k] for r in ordered) for k in ("seizures", *CASE_STAGES)}}
    return [*ordered, total]


@pytest.fixture
async def closed(db, settings, cast):
    """The operation with its records, then closed; the follow-up steps are recorded afterwards through the API."""
    operation = await active_operation(db)
    ids = {}
    for ref, country, who, _stages, status in CASES:
        extra = {"reporting_country": country} if who == "coordinator" else {}
        seizure = await logged(db, settings, operation, getattr(cast, who), ref, case_status=None,
                               status="draft" if status == "draft" else "submitted", **extra)
        ids[ref] = seizure.id
    await set_phase(db, operation, "closed")
    await db.commit()
    return operation, ids


async def test_follow_up_goes_on_after_the_operation_closed_and_feeds_the_funnel(client, db, cast, closed):
    operation, ids = closed
    correction = await client.patch(f"{API}/seizures/{ids['KE-3']}", json={"version": 1, "location": "elsewhere"},
                                    headers=await bearer(db, cast.kenya))
    assert correction.status_code == 400  # the record itself is locked once closed
    for ref, _country, who, stages, _status in CASES:
        for n, stage in enumerate(stages):
            response = await client.post(f"{API}/seizures/{ids[ref]}/case-events", headers=await bearer(
                db, getattr(cast, who)), json={"stage": stage, "date": f"2026-11-{n + 1:02d}", "note": "court file"})
            assert response.status_code == 201, response.text
    events = (await client.get(f"{API}/seizures/{ids['KE-1']}/case-events",
                               headers=await bearer(db, cast.kenya))).json()
    assert events["case_status"] == "conviction"
    assert [e["stage"] for e in events["events"]] == ["investigation", "charges", "conviction"]
    everyone = {"KEN": "KEN", "TZA": "TZA", "UGA": "UGA"}
    assert await followup_funnel(db, await member(db, cast.coordinator, operation)) == expected(CASES, everyone)
    assert (await client.get(f"{API}/follow-up", headers=await bearer(db, cast.analyst))).json() == \
        expected(CASES, everyone)
    # The press officer: Uganda gave no consent at all, Tanzania only to count in totals (as "other").
    assert await followup_funnel(db, await member(db, cast.press, operation)) == \
        expected(CASES, {"KEN": "KEN", "TZA": "other"})


async def test_the_case_status_is_the_furthest_stage_whatever_the_order(client, db, cast, closed):
    _operation, ids = closed
    headers = await bearer(db, cast.kenya)
    for stage in ("conviction", "investigation"):
        await client.post(f"{API}/seizures/{ids['KE-2']}/case-events", headers=headers,
                          json={"stage": stage, "date": "2026-11-03"})
    assert await db.scalar(select(Seizure.case_status).where(Seizure.id == ids["KE-2"])) == "conviction"


async def test_case_events_by_role_country_and_input(client, db, cast, closed):
    _operation, ids = closed
    url = f"{API}/seizures/{ids['KE-1']}/case-events"
    good = {"stage": "charges", "date": "2026-11-02"}
    assert (await client.post(url, json=good, headers=await bearer(db, cast.press))).status_code == 403
    assert (await client.post(url, json=good, headers=await bearer(db, cast.analyst))).status_code == 403
    assert (await client.post(url, json=good, headers=await bearer(db, cast.tanzania))).status_code == 404
    bad = await client.post(url, json={"stage": "appeal", "date": "2026-09-30"}, headers=await bearer(db, cast.kenya))
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"stage", "date"}
    before = await client.post(url, json={"stage": "charges", "date": "2026-10-01"},
                               headers=await bearer(db, cast.kenya))
    assert "between the seizure (2026-10-03)" in before.json()["errors"][0]["message"]
    assert await db.scalar(select(func.count()).select_from(CaseEvent)) == 0
    assert await db.scalar(select(Seizure.case_status).where(Seizure.id == ids["KE-1"])) is None
    coordinator = await client.post(url, json=good, headers=await bearer(db, cast.coordinator))
    assert coordinator.status_code == 201


async def test_the_follow_up_form_and_page(client, db, cast, closed):
    _operation, ids = closed
    await login(client, cast.kenya)
    page = f"/operations/THUNDER-2026/seizures/{ids['KE-3']}"
    refused = await form_post(client, f"{page}/case-events", {"stage": "prosecution", "date": "tomorrow",
                                                              "note": "typed"})
    assert refused.status_code == 400
    assert 'must be a date as YYYY-MM-DD (got &#34;tomorrow&#34;)' in refused.text and 'value="typed"' in refused.text
    assert '<option value="prosecution" selected>' in refused.text
    saved = await form_post(client, f"{page}/case-events", {"stage": "prosecution", "date": "2026-11-05"})
    assert saved.status_code in (302, 303)
    assert "prosecution" in (await client.get(page)).text
    funnel = await client.get("/operations/THUNDER-2026/follow-up")
    assert funnel.status_code == 200 and "From seizures to convictions" in funnel.text
    client.cookies.clear()
    await login(client, cast.press)
    assert (await client.get("/operations/THUNDER-2026/follow-up")).status_code == 200
    assert (await client.get(page)).status_code == 403
