"""CITES units in the codes of the 2021 guidelines: the unit list as its source prints it, the former codes read as
aliases and stored in the current ones, each term offered in the units CITES gives it, each of them a pair the CITES
Trade Database accepts (another known unit is kept as measured), and a database from before moved to the new codes."""

from __future__ import annotations

import asyncio
import csv
import re
from pathlib import Path

import pytest
from sqlalchemy import MetaData, Table, insert, select, update

from opsplatform.auth.services import create_user
from opsplatform.database import make_engine, make_sessionmaker, session_scope, upgrade
from opsplatform.models.reference import TradeTerm, Unit
from opsplatform.models.seizures import SeizureItem
from opsplatform.reference.units import alias_map
from opsplatform.seizures.validation import Reference, check_item
from tests.conftest import login
from tests.migration_support import reference_as_then, stored_as_then
from tests.results_support import active_operation, bearer

SEED = Path(__file__).resolve().parents[1] / "seed"


def source(name: str) -> list[dict[str, str]]:
    lines = [line for line in (SEED / name).read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines))


UNITS_2021 = source("sources/cites-unit-codes-2021.csv")
CURRENT = {row["code"] for row in UNITS_2021 if row["status"] == "current"}
TERM_UNITS = {row["code"]: {code for column in ("preferred_unit", "alternative_unit")
                            for code in row[column].split(";") if code} for row in source("trade_terms.csv")}


async def test_the_units_are_those_of_the_2021_list_and_the_former_codes_read_as_the_new(db):
    assert sorted(CURRENT) == ["CMQ", "GRM", "KGM", "LTR", "MLT", "MTK", "MTQ", "MTR", "NAR"]
    stored = set((await db.scalars(select(Unit.code))).all())
    assert {row["code"] for row in UNITS_2021} <= stored
    former = {row["former_code"]: row["code"] for row in UNITS_2021 if row["former_code"]}
    assert former == {"KIL": "KGM", "CUM": "MTQ", "SQM": "MTK", "CCM": "CMQ"}
    assert not set(former) & stored
    spellings = alias_map(list((await db.scalars(select(Unit))).all()))
    assert {old: spellings[old.lower()] for old in former} == former


async def test_every_term_is_recorded_in_units_of_the_2021_list_and_a_number_can_be_its_alternative(db):
    assert all(units and units <= CURRENT for units in TERM_UNITS.values()), \
        {code: units for code, units in TERM_UNITS.items() if not units or not units <= CURRENT}
    terms = {t.code: t for t in (await db.scalars(select(TradeTerm))).all()}
    assert [(terms[c].preferred_unit, terms[c].alternative_unit) for c in ("IVC", "HOC", "TUS", "LOG", "CST")] == \
        [("KGM", "NAR"), ("KGM", "NAR"), ("NAR", "KGM"), ("MTQ", None), ("NAR", None)]
    assert terms["CST"].name_en == "chess sets"
    assert all("KGM" not in TERM_UNITS[code] for code in ("HOS", "QUI", "SCR"))


def test_every_term_unit_pair_offered_is_one_the_cites_trade_database_accepts():
    """seed/sources keeps the pairs the Trade Database checks an annual report against (2018, in the codes of the
    time); a code newer than that list (or, for COS, newer in its meaning) is checked under the code it had there."""
    allowed: dict[str, set[str]] = {}
    for row in source("sources/cites-term-unit-pairs-2018.csv"):
        allowed.setdefault(row["TERM_CODE"], set()).add(row["UNIT_CODE"] or "NAR")
    current = {row["former_code"]: row["code"] for row in UNITS_2021 if row["former_code"]}
    allowed = {term: {current.get(unit, unit) for unit in units} for term, units in allowed.items()}
    allowed["CSD"] = allowed.pop("COS")  # coral sand: COS in the list, CSD since 2017
    newer = {"COS", "ESH", "KNL", "TRU", "TRW"}  # cosmetics since 2017, the rest since 2021: not in the list
    assert set(TERM_UNITS) - set(allowed) == newer
    assert {term: units - allowed[term] for term, units in TERM_UNITS.items()
            if term not in newer and units - allowed[term]} == {}


async def test_every_term_unit_pair_the_form_offers_is_one_the_reference_gives_and_the_validator_takes(
        client, db, cast):
    await active_operation(db)
    await login(client, cast.kenya)
    page = (await client.get("/operations/THUNDER-2026/seizures/new")).text
    term_select = re.search(r'<select id="f-items-0-term".*?</select>', page, re.S).group(0)
    offered = {code: set(units.split()) for code, units in
               re.findall(r'<option value="([A-Z]{3})"[^>]* data-units="([^"]*)"', term_select)}
    assert offered == TERM_UNITS  # every term, each with the units of seed/trade_terms.csv and no other
    unit_select = re.search(r'<select id="f-items-0-unit".*?</select>', page, re.S).group(0)
    listed = set(re.findall(r'<option value="([A-Z]{3})"', unit_select))
    assert listed == set().union(*TERM_UNITS.values()) - {"NAR"}  # NAR is the empty unit, "number of specimens"
    reference = await Reference.load(db)
    for term, units in offered.items():
        for unit in units:
            clean, errors = check_item(reference, {"taxon": "Loxodonta africana", "term": term, "quantity": "2",
                                                   "unit": "" if unit == "NAR" else unit})
            assert errors == [] and clean["unit_code"] == (None if unit == "NAR" else unit), (term, unit)


@pytest.mark.parametrize(("term", "unit", "stored", "normalised"), [
    ("TUS", "KIL", "KGM", ("kg", 2)), ("TUS", "kg", "KGM", ("kg", 2)), ("TUS", "TON", "TON", ("kg", 2000)),
    ("TUS", "NAR", None, ("number", 2)), ("IVC", "", None, ("number", 2)), ("LOG", "CUM", "MTQ", ("m3", 2)),
    ("LOG", "CCM", "CMQ", ("m3", 0.000002)), ("PLA", "SQM", "MTK", ("MTK", 2)), ("SKI", "PCS", "PCS", ("PCS", 2)),
])
async def test_a_unit_the_term_takes_is_kept_in_its_current_code(db, term, unit, stored, normalised):
    clean, errors = check_item(await Reference.load(db), {"taxon": "Loxodonta africana", "term": term,
                                                          "quantity": "2", "unit": unit})
    assert errors == []
    assert (clean["unit_code"], (clean["normalised_unit"], clean["normalised_quantity"])) == (stored, normalised)


@pytest.mark.parametrize(("term", "unit", "stored", "normalised"), [
    ("LOG", "TON", "TON", ("kg", 2000)), ("LOG", "kg", "KGM", ("kg", 2)), ("SCA", "", None, ("number", 2)),
    ("HOS", "KIL", "KGM", ("kg", 2)),
])
async def test_a_unit_the_guidelines_do_not_give_the_term_is_kept_as_measured(db, term, unit, stored, normalised):
    """Red sanders logs weighed in tonnes stay in tonnes: an officer cannot turn a weight into the volume the
    guidelines prefer, and a refused quantity would be lost."""
    clean, errors = check_item(await Reference.load(db), {"taxon": "Pterocarpus santalinus", "term": term,
                                                          "quantity": "2", "unit": unit})
    assert errors == []
    assert (clean["unit_code"], (clean["normalised_unit"], clean["normalised_quantity"])) == (stored, normalised)


async def test_the_api_answers_a_former_code_in_the_current_one(client, db, cast):
    await active_operation(db)
    item = {"taxon": "Dalbergia", "term": "TIM", "quantity": 3.5, "unit": "CUM"}
    created = await client.post("/api/v1/operations/THUNDER-2026/seizures", headers=await bearer(db, cast.kenya),
                                json={"seizure_ref": "KE-U1", "seizure_date": "2026-10-03", "items": [item]})
    assert created.status_code == 201, created.text
    assert (await db.scalar(select(SeizureItem.unit_code))) == "MTQ"


@pytest.mark.filterwarnings("ignore:.*expression-based index")  # SQLite does not reflect the figures' key
async def test_the_upgrade_moves_stored_units_and_figures_to_the_2021_codes(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/0017.db"
    await asyncio.to_thread(upgrade, url, "0017")
    engine = make_engine(url)
    async with session_scope(make_sessionmaker(engine)) as db:
        await reference_as_then(db)
        operation = await active_operation(db)
        kenya = await create_user(db, email="wanjiru@kws.test", name="Wanjiru", role="focal_point", country="KEN")
        record_id = await stored_as_then(db, operation.id, kenya.id)
        units, items, terms, figures = await db.run_sync(lambda session: [
            Table(name, MetaData(), autoload_with=session.connection())
            for name in ("units", "seizure_items", "trade_terms", "daily_figures")])
        await db.execute(insert(units).values(code="SQM", name_en="square metres", family="area", factor=1,
                                              aliases="m2"))
        await db.execute(update(items).where(items.c.item_no == 2).values(
            term_code="PLA", unit_code="SQM", normalised_unit="SQM"))
        await db.execute(update(terms).where(terms.c.code == "TUS").values(preferred_unit=None,
                                                                          alternative_unit="KIL"))
        await db.execute(update(figures).where(figures.c.unit == "number").values(unit="SQM"))
        await db.commit()
    await engine.dispose()
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    async with session_scope(make_sessionmaker(engine)) as db:
        moved = (await db.execute(select(SeizureItem.item_no, SeizureItem.unit_code, SeizureItem.normalised_unit)
                                  .where(SeizureItem.seizure_id == record_id).order_by(SeizureItem.item_no))).all()
        assert moved == [(1, "KGM", "kg"), (2, "MTK", "MTK")]
        assert not set((await db.scalars(select(Unit.code))).all()) & {"KIL", "CUM", "SQM", "CCM"}
        tusks = await db.get(TradeTerm, "TUS")
        assert (tusks.preferred_unit, tusks.alternative_unit) == ("NAR", "KGM")
        figures = await db.run_sync(lambda session: Table("daily_figures", MetaData(),
                                                          autoload_with=session.connection()))
        assert "SQM" not in set((await db.scalars(select(figures.c.unit))).all())
    await engine.dispose()
