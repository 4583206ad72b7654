"""Records as a database made by an older revision held them: written with the columns its tables have then (today's
models have more since), so that an upgrade can be seen to keep or mend them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date

from sqlalchemy import MetaData, Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.database import make_engine, make_sessionmaker, session_scope, upgrade, utcnow
from opsplatform.models.auth import Role, User
from opsplatform.models.reference import Taxon
from opsplatform.policy import TEAM_ROLES
from opsplatform.reference import loader
from tests.results_support import ACTIVE, IVORY


@asynccontextmanager
async def upgraded(url: str, revision: str = "head") -> AsyncIterator[AsyncSession]:
    """A session on the database at `url` once migrated to `revision`, committed when the block ends well."""
    await asyncio.to_thread(upgrade, url, revision)
    engine = make_engine(url)
    try:
        async with session_scope(make_sessionmaker(engine)) as db:
            yield db
            await db.commit()
    finally:
        await engine.dispose()


async def reference_as_then(db) -> None:
    """The bundled reference data in the tables of an older revision: as today's loader writes it, but the taxa with
    the columns their table has then (no lineage before 0024), each under its parent."""
    for load in (loader.load_regions_and_countries, loader.load_networks, loader.load_terms_and_units,
                 loader.load_currencies_and_airports, loader.load_label_points):
        await load(db)
    taxa = await db.run_sync(lambda session: Table("taxa", MetaData(), autoload_with=session.connection()))
    rows = loader.read_csv("taxa.csv")
    await db.execute(insert(taxa), [{"source": "seed", "search_text": loader.search_key(row["scientific_name"]),
                                     **{c: row[c] or None for c in row if c in taxa.c}} for row in rows])
    ids = dict((await db.execute(select(taxa.c.scientific_name, taxa.c.id))).all())
    await db.execute(update(taxa).where(taxa.c.id == bindparam("taxon_id")).values(parent_id=bindparam("parent")),
                     [{"taxon_id": ids[row["scientific_name"]], "parent": ids[row["parent"]]}
                      for row in rows if row.get("parent") in ids])


async def stored_as_then(db, operation_id: int, user_id: int, *, suspects: tuple[dict, ...] = (),
                         **item: float) -> int:
    """IVORY's record as a sender stored it then: its two items (one in kilograms, one counted) with `item`'s values,
    and the `suspects` given (their columns as they were)."""
    seizures, items, people, units = await db.run_sync(lambda session: [
        Table(name, MetaData(), autoload_with=session.connection()) for name in ("seizures", "seizure_items",
                                                                                 "suspects", "units")])
    if await db.scalar(select(units.c.code).where(units.c.code == "KIL")) is None:  # kilograms' code before 2021
        await db.execute(insert(units).values(code="KIL", name_en="kilograms", family="mass", factor=1,
                                              aliases="kg"))
    now, taxon = utcnow(), await db.scalar(select(Taxon.id).where(Taxon.scientific_name == "Loxodonta africana"))
    record_id = (await db.execute(insert(seizures).values(
        operation_id=operation_id, reporting_country="KEN", seizure_ref=IVORY["seizure_ref"],
        seizure_date=date(2026, 10, 3), location=IVORY["location"], transit_countries=[],
        suspects_arrested=len(suspects), suspect_nationalities=[], status="submitted", shared_with_participants=False,
        publicity_approved=False, version=1, created_by=user_id, created_at=now,
        updated_at=now).returning(seizures.c.id))).scalar_one()
    await db.execute(insert(items), [
        {"seizure_id": record_id, "item_no": n, "taxon_id": taxon, "term_code": "TUS", "unit_code": unit,
         "normalised_unit": normalised, "quantity": 3, "normalised_quantity": item.get("quantity", 3),
         "currency": "USD" if "estimated_value" in item else None, **item}
        for n, unit, normalised in ((1, "KIL", "kg"), (2, None, "number"))])
    if suspects:
        await db.execute(insert(people), [{"seizure_id": record_id, **suspect} for suspect in suspects])
    return record_id


async def operation_as_then(db) -> int:
    """Thunder (results_support.ACTIVE) as an older revision stored it: its row and participants with the columns their
    tables have then, and every coordinator (leading), analyst and press officer then in the database on its team."""
    operations, participants, members = await db.run_sync(lambda session: [
        Table(name, MetaData(), autoload_with=session.connection()) for name in ("operations", "participants",
                                                                                 "operation_members")])
    now = utcnow()
    operation_id = (await db.execute(insert(operations).values(
        code=ACTIVE["code"], name=ACTIVE["name"], series=ACTIVE["code"].rsplit("-", 1)[0], objectives="",
        lead_organisations=[], start_date=date.fromisoformat(ACTIVE["start"]),
        end_date=date.fromisoformat(ACTIVE["end"]), grace_days=ACTIVE["grace_days"], phase=ACTIVE["phase"],
        target_terms=[], created_at=now, version=1).returning(operations.c.id))).scalar_one()
    await db.execute(insert(participants), [
        {"operation_id": operation_id, "country_code": c["country"], "publicity": c["publicity"],
         "share_by_default": False} for c in ACTIVE["countries"]])
    team = (await db.execute(select(User.id, User.role).where(User.role.in_(TEAM_ROLES), User.network_code.is_(None))
                             .order_by(User.id))).all()
    if team:
        await db.execute(insert(members), [{"operation_id": operation_id, "user_id": user_id, "role": role,
                                            "lead": role == Role.coordinator, "added_at": now}
                                           for user_id, role in team])
    return operation_id
