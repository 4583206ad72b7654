"""Records across operations: what a search for a reference, a place, a document number or a company finds among
the seizures a user sees in full in any of its operations (the analyst's list when nothing is typed), the latest
logged first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.database import holds_text
from opsplatform.models.auth import User
from opsplatform.models.operations import Operation
from opsplatform.models.reference import Taxon
from opsplatform.models.seizures import Seizure, SeizureItem

PAGE = 50
# What a search looks in: the record's reference, its place, the documents and the companies its case file names.
SEARCHED = (Seizure.seizure_ref, Seizure.location, Seizure.documents_used, Seizure.companies_involved)


@dataclass(frozen=True)
class Found:
    seizures: list[tuple[Seizure, Operation]]
    total: int


# The latest logged first: read backwards through the primary key until a page is found, where an order by date
# sorted every record the reader may see (PostgreSQL, 100,000 records: 460 ms to 12 ms), and an index by date lured
# the planners into reading it for a focal point's list within one operation too.
NEWEST = (Seizure.id.desc(),)


def matching(user: User, text: str) -> Select[tuple[Seizure, Operation]]:
    """The user's readable records, with their operations, matching `text` (any part of a searched field, any case);
    all of them when nothing is typed. Its conditions are on Seizure alone."""
    query = select(Seizure, Operation).join(Operation, Operation.id == Seizure.operation_id).where(
        policy.records_anywhere(user))
    if text := text.strip():
        query = query.where(or_(*(holds_text(column, text) for column in SEARCHED)))
    return query


async def find_records(session: AsyncSession, user: User, text: str, page: int = 1) -> Found:
    """The user's readable records matching `text`, the latest logged first, a page at a time."""
    query = matching(user, text)
    # Counted from the records alone: joined with their operations, SQLite read each operation's records through an
    # index rather than the table in order (100,000 records: 258 → 87 ms).
    total = await session.scalar(select(func.count()).select_from(Seizure).where(query.whereclause)) or 0
    rows = (await session.execute(query.order_by(*NEWEST).offset((page - 1) * PAGE).limit(PAGE))).all()
    return Found([(seizure, operation) for seizure, operation in rows], total)


async def items_by_record(session: AsyncSession, seizure_ids: Sequence[int]) -> dict[int, list[Any]]:
    """Each record's items with their taxon's scientific name, in the order they were logged, for record lists."""
    rows = (await session.execute(select(SeizureItem, Taxon.scientific_name)
                                  .join(Taxon, Taxon.id == SeizureItem.taxon_id)
                                  .where(SeizureItem.seizure_id.in_(list(seizure_ids)))
                                  .order_by(SeizureItem.item_no))).all()
    found: dict[int, list[Any]] = {}
    for item, name in rows:
        found.setdefault(item.seizure_id, []).append((item, name))
    return found
