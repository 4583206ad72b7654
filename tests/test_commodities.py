"""The public release's commodity lines (ivory, rhino horn, live birds…): an item's line is read from its taxon's kept
lineage, which must say what a walk of the taxon tree says, follow a taxon that a reference load moves, and feed the
kept figures the release is compiled from."""

from __future__ import annotations

from sqlalchemy import insert, select

from opsplatform.figures import rollup
from opsplatform.models.reference import Taxon, TradeTerm
from opsplatform.models.seizures import SeizureItem
from opsplatform.reference.commodities import commodities, commodity_of_item
from opsplatform.reference.loader import link_parents
from opsplatform.reference.lookup import with_descendants
from opsplatform.releases.figures import commodity_lines, press_scope
from opsplatform.seizures.services import create_seizure
from tests.results_support import IVORY, active_operation, member
from tests.test_daily_figures import recomputed, stored


async def walked_lines(db):
    """An item's line by the definition itself: the first whose taxa (with every taxon below them, by a walk of the
    tree) or groups hold the taxon, and whose terms (none: any) hold the term."""
    ids = dict((await db.execute(select(Taxon.scientific_name, Taxon.id))).all())
    covered = [(commodity, await with_descendants(db, [ids[t] for t in commodity.taxa if t in ids]),
                {t.removeprefix("group:") for t in commodity.taxa if t.startswith("group:")})
               for commodity in commodities()]

    def line(taxon_id: int, group: str, term: str) -> str:
        return next(commodity.code for commodity, below, groups in covered
                    if (not commodity.taxa or taxon_id in below or group in groups)
                    and (not commodity.terms or term in commodity.terms))

    return line


async def test_every_taxon_with_every_term_falls_in_the_line_a_walk_of_the_tree_gives(db, settings, cast):
    operation = await active_operation(db)
    record = await create_seizure(db, settings, await member(db, cast.kenya, operation), IVORY)
    taxa = (await db.execute(select(Taxon.id, Taxon.taxon_group))).all()
    terms = [t for c in commodities() for t in c.terms] + ["BOD"]
    assert set(terms) <= set((await db.scalars(select(TradeTerm.code))).all())
    await db.execute(insert(SeizureItem), [
        {"seizure_id": record.id, "item_no": 100 + n, "taxon_id": taxon_id, "term_code": term, "quantity": 1,
         "normalised_unit": "number", "normalised_quantity": 1}
        for n, ((taxon_id, _group), term) in enumerate((t, term) for t in taxa for term in terms)])
    found = (await db.execute(select(SeizureItem.taxon_id, Taxon.taxon_group, SeizureItem.term_code,
                                     commodity_of_item()).join(Taxon, Taxon.id == SeizureItem.taxon_id)
                              .where(SeizureItem.item_no >= 100))).all()
    assert len(found) == len(taxa) * len(terms) > 5000
    walked = await walked_lines(db)
    expected = {(taxon_id, term): walked(taxon_id, group, term) for taxon_id, group, term, _line in found}
    assert {(taxon_id, term): line for taxon_id, _group, term, line in found} == expected
    # Every line is reached (the last, "other", takes only what no group holds: no bundled taxon).
    assert {c.code for c in commodities()[:-1]} <= {line for *_rest, line in found}


async def test_a_taxon_a_reference_load_moves_takes_its_records_to_its_new_line(db, settings, cast):
    operation = await active_operation(db)
    await create_seizure(db, settings, await member(db, cast.kenya, operation), IVORY)
    await db.commit()
    scope = press_scope(operation)
    assert [line["category"] for line in await commodity_lines(db, scope)] == ["ivory"]
    async with rollup.following_taxa(db):
        assert await link_parents(db, {"Loxodonta": "Rhinocerotidae"}, "seed") == 1
    await db.commit()
    lineage = await db.scalar(select(Taxon.lineage).where(Taxon.scientific_name == "Loxodonta africana"))
    assert ";Rhinocerotidae;Loxodonta;Loxodonta africana;" in lineage and "Elephantidae" not in lineage
    # Tusks are not rhino horn: under its new family the elephant's tusks count as a mammal's.
    assert [(line["category"], line["seizures"]) for line in await commodity_lines(db, scope)] == [("mammals", 1)]
    assert await stored(db, operation.id) == await recomputed(db, operation.id)


async def test_the_releases_lines_count_each_seizure_once_however_many_units_it_is_in(db, settings, cast):
    operation = await active_operation(db)
    kenya = await member(db, cast.kenya, operation)
    await create_seizure(db, settings, kenya, IVORY)  # tusks in kilograms and counted: one seizure, two units
    await create_seizure(db, settings, kenya, {**IVORY, "seizure_ref": "KE-JKIA-002", "items": IVORY["items"][:1]})
    await db.commit()
    [ivory] = await commodity_lines(db, press_scope(operation))
    assert ivory["seizures"] == 2
    assert ivory["quantities"] == [{"unit": "kg", "quantity": 241.0}, {"unit": "number", "quantity": 14.0}]
