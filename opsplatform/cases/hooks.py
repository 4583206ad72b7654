"""What case exchange does when a seizure is saved or moves on, through seizures.events: suspects saved with document
numbers are matched with other countries' records, and a record that changed status is resettled in its linked
shipment."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.cases.links import resettle_shipment
from opsplatform.cases.matching import find_matches
from opsplatform.models.seizures import Seizure
from opsplatform.seizures import events


async def _match(session: AsyncSession, seizure: Seizure) -> None:
    await find_matches(session, seizure)


async def _resettle(session: AsyncSession, seizure: Seizure) -> None:
    await resettle_shipment(session, {seizure.id})


def install() -> None:
    events.on(events.DOCUMENTS, _match)
    events.on(events.MOVED, _resettle)
