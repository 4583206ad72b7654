"""The docs/reference.md summary is exact: expected figures are computed here, independently,
from the records inserted."""

from __future__ import annotations

import random
from collections import Counter, defaultdict

import pytest

from opsplatform.reporting.filters import ResultFilter
from opsplatform.reporting.summary import summary
from opsplatform.seizures.services import change_status, create_seizure
from tests.results_support import active_operation, bearer, member, record_member
from tests.test_cli import opsplatform

# (taxon, group, term, unit, quantity, normalised unit, normalised quantity)
KINDS = [("Loxodonta africana", "mammals", "TUS", "KIL", 12.5, "kg", 12.5),
         ("Loxodonta africana", "mammals", "TUS", "", 7, "number", 7),
         ("Loxodonta africana", "mammals", "TUS", "GRM", 2500, "kg", 2.5),
         ("Manis javanica", "mammals", "SCA", "TON", 1.2, "kg", 1200),
         ("Psittacus erithacus", "birds", "LIV", "", 30, "number", 30),
         ("Python regius", "reptiles", "SKI", "PCS", 4, "PCS", 4),
         ("Dalbergia", "timber", "TIM", "CCM", 500000, "m3", 0.5)]
MODES = ["air_cargo", "road", None]
METHODS = ["xray", None, "detector_dog"]


def generate(seed: int = 11, count: int = 40) -> list[dict]:
    rng = random.Random(seed)
    records = []
    for n in range(count):
        kinds = rng.sample(KINDS, rng.choice([1, 1, 2, 3]))
        records.append({
            "country": rng.choice(["KEN", "TZA", "UGA"]), "seizure_ref": f"R-{n}",
            "seizure_date": f"2026-10-{rng.randint(1, 31):02d}", "transport_mode": rng.choice(MODES),
            "detection_method": rng.choice(METHODS), "suspects_arrested": rng.randint(0, 3),
            "status": rng.choice(["submitted", "submitted", "draft", "withdrawn", "validated"]), "kinds": kinds})
    return records


def expected(records: list[dict], counted_countries: set[str] | None = None) -> dict:
    counted = [r for r in records if r["status"] in ("submitted", "validated")
               and (counted_countries is None or r["country"] in counted_countries)]
    by_country, arrests = Counter(r["country"] for r in counted), defaultdict(int)
    term_unit, term_unit_seizures, groups = defaultdict(float), defaultdict(set), defaultdict(set)
    for r in counted:
        arrests[r["country"]] += r["suspects_arrested"]
        for _taxon, group, term, _unit, _q, unit, quantity in r["kinds"]:
            term_unit[(term, unit)] += quantity
            term_unit_seizures[(term, unit)].add(r["seizure_ref"])
            groups[group].add(r["seizure_ref"])
    return {
        "seizures": len(counted), "suspects_arrested": sum(r["suspects_arrested"] for r in counted),
        "by_country": {c: (n, arrests[c]) for c, n in by_country.items()},
        "by_term_unit": {k: (round(v, 3), len(term_unit_seizures[k])) for k, v in term_unit.items()},
        "by_taxon_group": {g: len(s) for g, s in groups.items()},
        "by_transport_mode": Counter(r["transport_mode"] or "unknown" for r in counted),
        "by_detection_method": Counter(r["detection_method"] or "unknown" for r in counted),
        "by_day": Counter(r["seizure_date"] for r in counted),
    }


async def load(db, settings, cast, operation, records):
    for r in records:
        raw = {"reporting_country": r["country"], "seizure_ref": r["seizure_ref"], "seizure_date": r["seizure_date"],
               "transport_mode": r["transport_mode"], "detection_method": r["detection_method"],
               "suspects_arrested": r["suspects_arrested"],
               "status": "draft" if r["status"] == "draft" else "submitted",
               "items": [{"taxon": t, "term": term, "quantity": q, "unit": u}
                         for t, _g, term, u, q, _nu, _nq in r["kinds"]]}
        seizure = await create_seizure(db, settings, await member(db, cast.coordinator, operation), raw)
        if r["status"] in ("withdrawn", "validated"):
            await change_status(db, await record_member(db, cast.coordinator, seizure), seizure,
                                "withdraw" if r["status"] == "withdrawn" else "validate",
                                "duplicate" if r["status"] == "withdrawn" else "")
    await db.commit()


def as_maps(figures: dict) -> dict:
    return {
        "seizures": figures["seizures"], "suspects_arrested": figures["suspects_arrested"],
        "by_country": {e["country"]: (e["seizures"], e["suspects_arrested"]) for e in figures["by_country"]},
        "by_term_unit": {(e["term"], e["unit"]): (e["quantity"], e["seizures"]) for e in figures["by_term_unit"]},
        "by_taxon_group": {e["group"]: e["seizures"] for e in figures["by_taxon_group"]},
        "by_transport_mode": Counter({e["mode"]: e["seizures"] for e in figures["by_transport_mode"]}),
        "by_detection_method": Counter({e["method"]: e["seizures"] for e in figures["by_detection_method"]}),
        "by_day": Counter({e["date"]: e["seizures"] for e in figures["by_day"]}),
    }


@pytest.fixture
async def loaded(db, settings, cast):
    operation = await active_operation(db)
    records = generate()
    await load(db, settings, cast, operation, records)
    return operation, records


async def test_the_summary_is_exact(db, cast, loaded):
    operation, records = loaded
    figures = await summary(db, await member(db, cast.coordinator, operation))
    assert as_maps(figures) == expected(records)
    assert figures["operation"] == "THUNDER-2026" and figures["window"] == {"start": "2026-10-01", "end": "2026-10-31"}
    counted = {r["country"] for r in records if r["status"] in ("submitted", "validated")}
    assert figures["countries"] == {"participating": 3, "reporting": len(counted), "with_seizures": len(counted)}
    # kg and pieces are never added: ivory by weight and by number stay apart.
    units = {e["unit"] for e in figures["by_term_unit"] if e["term"] == "TUS"}
    assert {"kg", "number"} <= units


async def test_the_api_and_the_cli_give_the_same_summary(client, db, cast, loaded, database_url):
    import json

    api = (await client.get("/api/v1/operations/THUNDER-2026/summary", headers=await bearer(db, cast.kenya))).json()
    code, out, err = await opsplatform("report", "summary", "--database-url", database_url, "--operation",
                                       "THUNDER-2026", "--format", "json")
    assert code == 0, err
    assert json.loads(out) == api == await summary(db, await member(db, cast.coordinator, loaded[0]))


async def test_a_filter_narrows_every_figure_alike(db, cast, loaded):
    operation, records = loaded
    only = [r for r in records if r["country"] == "KEN" and r["seizure_date"] <= "2026-10-15"]
    figures = await summary(db, await member(db, cast.coordinator, operation),
                            ResultFilter.from_params({"countries": "KEN", "end": "2026-10-15"}))
    assert as_maps(figures) == expected(only)
    # The countries counted are the filter's too: one country asked for, one taking part (and it reported).
    assert figures["countries"] == {"participating": 1, "reporting": 1, "with_seizures": 1}


async def test_a_press_officer_sees_only_what_consent_allows(db, cast, loaded):
    operation, records = loaded  # KEN named, TZA aggregate, UGA none
    figures = await summary(db, await member(db, cast.press, operation))
    allowed = expected(records, {"KEN", "TZA"})
    assert (figures["seizures"], figures["suspects_arrested"]) == (allowed["seizures"], allowed["suspects_arrested"])
    countries = {e["country"]: e["seizures"] for e in figures["by_country"]}
    assert "UGA" not in countries and "TZA" not in countries
    assert countries.get("other", 0) == allowed["by_country"].get("TZA", (0, 0))[0]  # not named, still counted
    assert figures["countries"]["participating"] == 2


async def test_bad_filters_get_400(client, db, cast, loaded):
    response = await client.get("/api/v1/operations/THUNDER-2026/summary", params={"start": "yesterday"},
                                headers=await bearer(db, cast.coordinator))
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "start"


async def test_the_summary_needs_access_to_the_operation(client, db, cast, loaded):
    await active_operation(db, code="COBRA-1", countries=[{"country": "VNM"}])
    kenya = await bearer(db, cast.kenya)
    assert (await client.get("/api/v1/operations/COBRA-1/summary", headers=kenya)).status_code == 404
    assert (await client.get("/api/v1/operations/THUNDER-2026/summary",
                             headers=await bearer(db, cast.admin))).status_code == 404


