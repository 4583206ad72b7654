"""Records across operations: what a search for a reference, a place, a document number or a company finds among
the seizures a user sees in full in any of its operations (the analyst's list when nothing is typed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
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


async def find_records(session: AsyncSession, user: User, text: str, page: int = 1) -> Found:
    """The user's readable records matching `text` (any part of a searched field, any case), newest first."""
    query = select(Seizure, Operation).join(Operation, Operation.id == Seizure.operation_id).where(
        policy.records_anywhere(user))
    if text := text.strip():
        wanted = text.lower()
        query = query.where(or_(*(func.lower(column).contains(wanted, autoescape=True) for column in SEARCHED)))
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = (await session.execute(query.order_by(Seizure.seizure_date.desc(), Seizure.id.desc())
                                  .offset((page - 1) * PAGE).limit(PAGE))).all()
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
