"""Words, not codes: filters read countries, terms and taxa by name in the reader's language as well as by code, a
name nobody knows is refused by name (never a silent 0), and a quantity reads the same way on every page."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login
from tests.results_support import IVORY, active_operation, bearer

BASE = "/operations/THUNDER-2026"


@pytest.fixture
async def logged(db, client, cast):
    """Kenya logs an ivory seizure (120.5 kg and 14 tusks), Tanzania one of pangolin scales."""
    await active_operation(db)
    scales = {**IVORY, "seizure_ref": "TZ-1", "seizure_date": "2026-10-04",
              "items": [{"taxon": "Manis javanica", "term": "SCA", "quantity": 300, "unit": "kg"}]}
    scales.pop("suspects")
    for user, body in ((cast.kenya, IVORY), (cast.tanzania, scales)):
        response = await client.post(f"/api/v1{BASE}/seizures", json=body, headers=await bearer(db, user))
        assert response.status_code == 201, response.text


def refs(page: str) -> set[str]:
    return set(re.findall(r">(KE-JKIA-001|TZ-1)</a>", page))


FILTERS = [  # what is typed, and the records it finds
    ({"countries": "Kenya"}, {"KE-JKIA-001"}),
    ({"countries": "kenia"}, {"KE-JKIA-001"}),  # Spanish, lower case, from an English reader: still Kenya
    ({"countries": "KE"}, {"KE-JKIA-001"}),
    ({"countries": "Tanzanie, KEN"}, {"KE-JKIA-001", "TZ-1"}),
    ({"terms": "tusks"}, {"KE-JKIA-001"}),
    ({"terms": "écailles"}, {"TZ-1"}),  # scales, in French, without caring for the accent's case
    ({"taxa": "sunda pangolin"}, {"TZ-1"}),
    ({"taxa": "Loxodonta africana"}, {"KE-JKIA-001"}),
    ({"taxa": "Manis"}, {"TZ-1"}),  # a genus covers its species
    ({"taxa": "asian pangolins"}, {"TZ-1"}),  # by the genus's common name
]
UNKNOWN = [  # a name nobody knows, the field's label and what the page says
    ({"countries": "Kenyaa"}, "Countries", "Kenyaa is not a country"),
    ({"terms": "tuskz"}, "Terms", "tuskz is not a CITES trade term"),
    ({"taxa": "Manis javnica"}, "Taxa", "did you mean Manis javanica"),
]


async def test_the_records_filter_reads_names_and_codes(client, cast, logged):
    await login(client, cast.coordinator)
    for params, found in FILTERS:
        page = await client.get(f"{BASE}/seizures", params=params)
        assert page.status_code == 200, params
        assert refs(page.text) == found, params


async def test_the_figures_read_the_same_filters_as_the_records(client, db, cast, logged):
    """The dashboard and the summary count what the list finds: a taxon filter reaches both the records and their
    items in one statement."""
    headers = await bearer(db, cast.coordinator)
    await login(client, cast.coordinator)
    for params, found in FILTERS:
        assert (await client.get(f"{BASE}/dashboard", params=params)).status_code == 200, params
        figures = await client.get(f"/api/v1{BASE}/summary", params=params, headers=headers)
        assert figures.status_code == 200 and figures.json()["seizures"] == len(found), params


async def test_a_name_nobody_knows_is_named_not_silently_empty(client, cast, logged):
    await login(client, cast.coordinator)
    for params, label, said in UNKNOWN:
        for path in ("seizures", "dashboard"):
            page = await client.get(f"{BASE}/{path}", params=params)
            assert said in page.text, (path, params)
            summary = re.search(r'<div class="flash flash-error error-summary".*?</div>', page.text, re.S).group(0)
            assert f">{label}</a>" in summary, (path, params)  # the field by its label, a link to it
            typed = next(iter(params.values()))
            assert f'value="{typed}"' in page.text, (path, params)  # what was typed is kept
        assert (await client.get(f"{BASE}/seizures", params=params)).status_code == 400


async def test_the_api_reads_names_too_and_refuses_unknown_ones(client, db, cast, logged):
    headers = await bearer(db, cast.coordinator)
    by_name = await client.get(f"/api/v1{BASE}/summary", params={"countries": "Kenya"}, headers=headers)
    by_code = await client.get(f"/api/v1{BASE}/summary", params={"countries": "KEN"}, headers=headers)
    assert by_name.status_code == 200 and by_name.json()["seizures"] == by_code.json()["seizures"] == 1
    unknown = await client.get(f"/api/v1{BASE}/summary", params={"countries": "Atlantis"}, headers=headers)
    assert unknown.status_code == 400 and "Atlantis is not a country" in unknown.text


async def test_a_quantity_reads_as_words_in_the_records_list(client, db, cast, logged):
    for language, ivory, scales in (("en", "120.5 kg of tusks", "300 kg of scales"),
                                    ("fr", "120,5 kg de défenses", "300 kg d’écailles")):
        cast.coordinator.language = language
        db.add(cast.coordinator)
        await db.commit()
        await login(client, cast.coordinator)
        page = (await client.get(f"{BASE}/seizures")).text
        assert ivory in page and scales in page, language
        assert "TUS 120.5" not in page and " KIL" not in page


async def test_a_counted_quantity_names_the_term_alone(client, cast, logged):
    await login(client, cast.kenya)
    page = (await client.get(f"{BASE}/seizures")).text
    assert "14 tusks" in page


async def test_the_record_page_writes_quantities_the_same_way(client, cast, logged):
    await login(client, cast.kenya)
    listing = (await client.get(f"{BASE}/seizures")).text
    link = re.search(r'href="([^"]+/seizures/\d+)">KE-JKIA-001', listing).group(1)
    page = (await client.get(link)).text
    assert "120.5 kg of tusks" in page and "14 tusks" in page
