"""Across operations: the search box finds records by reference, place, document number or company in every
operation whose records the person may read, and nowhere else; operations compare side by side, each as the person
sees it."""

from __future__ import annotations

import copy
import re

import pytest

from tests.conftest import login
from tests.results_support import IVORY, active_operation, bearer, statements_run

THUNDER, COBRA = "THUNDER-2026", "COBRA-IV"


async def log(client, db, user, code: str, **changes) -> None:
    body = {**copy.deepcopy(IVORY), "suspects": [], **changes}
    response = await client.post(f"/api/v1/operations/{code}/seizures", json=body, headers=await bearer(db, user))
    assert response.status_code == 201, response.text


@pytest.fixture
async def two_operations(db, client, cast):
    """Thunder and COBRA IV, both with Kenya and Tanzania: Kenya logs in each, Tanzania in Thunder."""
    await active_operation(db)
    await active_operation(db, code=COBRA, name="COBRA IV")
    await log(client, db, cast.kenya, THUNDER, seizure_ref="KE-JKIA-7", location="JKIA cargo terminal",
              documents_used="Air waybill 176-55501234", companies_involved="Acme Cashew Exporters Ltd")
    await log(client, db, cast.kenya, COBRA, seizure_ref="KE-MSA-1", location="Mombasa port",
              items=[{"taxon": "Manis javanica", "term": "SCA", "quantity": 300, "unit": "kg"}])
    await log(client, db, cast.tanzania, THUNDER, seizure_ref="TZ-DAR-1", location="Dar es Salaam port",
              companies_involved="Acme Cashew Exporters Ltd")


def found(page: str) -> set[str]:
    return set(re.findall(r">((?:KE|TZ)-[A-Z]+-\d+)</a>", page))


SEARCHES = [  # what is typed, and the records found
    ("ke-jkia", {"KE-JKIA-7"}),  # a reference, any case
    ("mombasa", {"KE-MSA-1"}),  # a place, in the other operation
    ("55501234", {"KE-JKIA-7"}),  # a document number
    ("acme cashew", {"KE-JKIA-7", "TZ-DAR-1"}),  # a company, across countries
    ("", {"KE-JKIA-7", "KE-MSA-1", "TZ-DAR-1"}),  # nothing typed: the analyst's list of all
    ("100%", set()),  # a wildcard typed is a character to find
    ("dar_es", set()),  # and so is the other
    ("MOMBASA PORT", {"KE-MSA-1"}),  # typed in capitals
]


async def test_the_coordinator_finds_records_across_operations(client, cast, two_operations):
    await login(client, cast.coordinator)
    for typed, refs in SEARCHES:
        page = await client.get("/records", params={"q": typed})
        assert page.status_code == 200, typed
        assert found(page.text) == refs, typed


async def test_a_search_lowers_no_value_and_counts_the_records_alone(client, cast, two_operations):
    """Any case is found by the database's own comparison (ILIKE; SQLite's LIKE, which ignores ASCII case as its
    lower() does), not by lowering each searched field of every readable record first; the records are counted
    without their operations, which led SQLite to read them through an index."""
    await login(client, cast.coordinator)
    with statements_run() as seen:
        page = await client.get("/records", params={"q": "Acme"})
    assert found(page.text) == {"KE-JKIA-7", "TZ-DAR-1"}
    searches = [s for s in seen if "companies_involved" in s and "LIKE" in s]
    assert len(searches) == 2 and not [s for s in searches if "lower(" in s], searches  # the count and the page
    [count] = [s for s in searches if "count(" in s]
    assert "operations" not in count.split(" WHERE ")[0], count  # counted from the records alone


async def test_a_focal_point_finds_only_its_countrys_records(client, cast, two_operations):
    await login(client, cast.tanzania)
    page = await client.get("/records", params={"q": "acme"})
    assert found(page.text) == {"TZ-DAR-1"}  # Kenya's record with the same company stays Kenya's
    await login(client, cast.kenya)
    assert found((await client.get("/records", params={"q": ""})).text) == {"KE-JKIA-7", "KE-MSA-1"}


async def test_the_search_box_is_not_for_press_officers_and_bounds_what_is_typed(client, cast, two_operations):
    await login(client, cast.press)
    assert (await client.get("/records")).status_code == 403
    await login(client, cast.analyst)
    long = await client.get("/records", params={"q": "x" * 5000})
    assert long.status_code == 400 and "at most 200 characters" in long.text


async def test_operations_compare_side_by_side(client, cast, two_operations):
    await login(client, cast.coordinator)
    page = await client.get("/compare", params=[("operations", THUNDER), ("operations", COBRA)])
    assert page.status_code == 200
    seizures = re.search(r"<th scope=\"row\">Seizures</th>(.*?)</tr>", page.text).group(1)
    assert re.findall(r'<td class="num">(\d+)</td>', seizures) == ["2", "1"]
    assert "scales (kg)" in page.text and "tusks (kg)" in page.text  # per term and unit, by name


async def test_an_operation_one_cannot_open_is_not_compared_and_not_told_apart(client, db, cast, two_operations):
    await active_operation(db, code="SECRET-1", name="Secret", countries=[{"country": "UGA", "publicity": "named"}])
    await login(client, cast.tanzania)  # Uganda's operation is not Tanzania's
    for code in ("SECRET-1", "NO-SUCH-OP"):
        page = await client.get("/compare", params={"operations": code})
        assert page.status_code == 400
        assert f"{code} is not an operation you can open" in page.text
    many = await client.get("/compare", params=[("operations", THUNDER)] * 1 + [("operations", c) for c in "ABCD"])
    assert many.status_code == 400
