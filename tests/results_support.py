"""Shared set-up for results tests: an active operation with Kenya, Tanzania and Uganda, and API tokens."""

from __future__ import annotations

import copy
import json
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import event, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import ExecuteStyle

from opsplatform import policy
from opsplatform.auth.services import create_api_token
from opsplatform.models.auth import User
from opsplatform.models.operations import Operation, Participant
from opsplatform.models.reference import Taxon
from opsplatform.models.seizures import Seizure, SeizureItem
from opsplatform.operations import services, team
from opsplatform.operations.spec import parse_spec
from opsplatform.operations.team import TeamEntry
from opsplatform.policy import Member

ACTIVE = {"code": "THUNDER-2026", "name": "Operation Thunder 2026", "phase": "active", "start": "2026-10-01",
          "end": "2026-10-31", "grace_days": 14,
          "countries": [{"country": "KEN", "publicity": "named"}, {"country": "TZA", "publicity": "aggregate"},
                        {"country": "UGA", "publicity": "none"}]}

IVORY = {"seizure_ref": "KE-JKIA-001", "seizure_date": "2026-10-03", "location": "JKIA cargo terminal",
         "latitude": -1.32, "longitude": 36.93, "location_type": "airport", "detection_method": "xray",
         "transport_mode": "air_cargo", "agency": "customs", "origin_country": "KEN", "destination_country": "VNM",
         "transit_countries": ["ARE"], "concealment": "sacks of cashew nuts", "suspects_arrested": 2,
         "suspect_nationalities": ["KEN", "VNM"], "case_status": "investigation",
         "items": [{"taxon": "Loxodonta africana", "term": "TUS", "quantity": 120.5, "unit": "kg",
                    "estimated_value": 90000, "currency": "USD"},
                   {"taxon": "Loxodonta africana", "term": "TUS", "quantity": 14}],
         "suspects": [{"nationality": "VNM", "sex": "male", "role": "courier", "name": "Tran Van A",
                       "date_of_birth": "1980-02-03", "document_number": "C1234567"}]}


async def active_operation(db, **changes) -> Operation:
    """The operation, with every coordinator, analyst and press officer already in the database on its team (global
    coordinators leading; a network's coordinator where its network takes part): the cast is its closed group."""
    operation = await services.create_operation(db, await parse_spec(db, {**copy.deepcopy(ACTIVE), **changes}), None)
    await join_everyone(db, operation)
    await db.commit()
    return operation


async def join_everyone(db, operation: Operation) -> None:
    countries = set((await db.scalars(select(Participant.country_code)
                                      .where(Participant.operation_id == operation.id))).all())
    for user in (await db.scalars(select(User).where(User.role.in_(policy.TEAM_ROLES)).order_by(User.id))).all():
        reach = set((await db.scalars(policy.network_countries(user.network_code))).all()) \
            if user.network_code else None
        if reach is None or reach & countries:
            await team.add(db, operation, TeamEntry(user, user.role, lead=policy.may_lead(user.role) and not reach),
                           None)


async def record_member(db, user, seizure) -> Member:
    """The user's place in the operation of a record."""
    return await member(db, user, await db.get(Operation, seizure.operation_id))


async def many_records(db, operation: Operation, n: int = 3000, *, seed: int | None = None) -> None:
    """`n` records of the operation's participants, one in ten opened to all, one in twenty-five approved as a
    highlight, with the engine's statistics of them (a plan is the engine's choice for the rows it believes it has);
    with `seed`, each at a position drawn from it anywhere on land or sea between 60° S and 75° N."""
    countries = sorted((await db.scalars(select(Participant.country_code)
                                         .where(Participant.operation_id == operation.id))).all())
    rng = random.Random(seed)
    await db.execute(insert(Seizure), [
        {"operation_id": operation.id, "reporting_country": countries[i % len(countries)], "seizure_ref": f"R-{i}",
         "seizure_date": date(2026, 10, 1) + timedelta(days=i % 30), "shared_with_participants": i % 10 == 0,
         "publicity_approved": i % 25 == 0, "public_description": f"Seizure {i}" if i % 25 == 0 else None,
         "transit_countries": [], "suspect_nationalities": [],
         **({"latitude": rng.uniform(-60, 75), "longitude": rng.uniform(-180, 180)} if seed is not None else {})}
        for i in range(n)])
    await db.commit()
    await db.execute(text("ANALYZE"))


async def items_for_all(db, operation: Operation) -> int:
    """One item (a number of African elephant tusks) for each of the operation's records that has none, as
    `many_records` leaves them; how many were added."""
    taxon = await db.scalar(select(Taxon.id).where(Taxon.scientific_name == "Loxodonta africana"))
    bare = (await db.scalars(select(Seizure.id).where(Seizure.operation_id == operation.id,
                                                      ~Seizure.id.in_(select(SeizureItem.seizure_id))))).all()
    if bare:
        await db.execute(insert(SeizureItem), [
            {"seizure_id": seizure_id, "item_no": 1, "taxon_id": taxon, "term_code": "TUS", "quantity": i % 7 + 1,
             "normalised_unit": "number", "normalised_quantity": i % 7 + 1} for i, seizure_id in enumerate(bare)])
        await db.commit()
    return len(bare)


async def member(db, user, operation) -> Member:
    """The user's place in the operation, as the pages hand it to the services."""
    found = await policy.member_of(db, user, operation)
    assert found is not None, f"{user.email} is not in {operation.code}'s closed group"
    return found


async def bearer(db, user) -> dict[str, str]:
    _token, raw = await create_api_token(db, user, "tests")
    await db.commit()
    return {"Authorization": f"Bearer {raw}"}


def map_popups(html: str) -> list[str]:
    """Each marker's popup on a points map (HTML), as the browser builds it from the page's words and numbers."""
    data, words = (json.loads(found) for found in re.search(r"var \w+_rows = (\[.*?\]), \w+_words = (\[.*?\]);",
                                                               html).groups())
    return [" · ".join(words[n] for n in row[2:]) for row in data]


class Sent(str):
    """A statement as sent; `many` when the driver ran it once per row of parameters (an executemany)."""

    many: bool


@contextmanager
def statements_run() -> Iterator[list[Sent]]:
    """The SQL statements sent while the block runs."""
    seen: list[Sent] = []

    def note(_connection, _cursor, statement, _parameters, context, _executemany) -> None:
        sent = Sent(" ".join(statement.split()))
        sent.many = context is not None and context.execute_style is ExecuteStyle.EXECUTEMANY
        seen.append(sent)
    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", note)
