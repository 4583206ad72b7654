"""What earlier operations found for the same targets: routes, hubs, concealment, detection and transport modes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.models.operations import Operation, Target
from opsplatform.models.seizures import Seizure, SeizureItem, counted
from opsplatform.policy import Member
from opsplatform.reference.lookup import with_descendants

TOP = 8


async def earlier_findings(session: AsyncSession, member: Member) -> dict[str, Any]:
    """Counted seizures of operations that started before this one and involved one of its target taxa (or a taxon
    below one), among the records the member's user sees in full; each breakdown largest first."""
    operation = member.operation
    targets = (await session.scalars(select(Target.taxon_id).where(Target.operation_id == operation.id))).all()
    taxa = await with_descendants(session, targets)
    earlier = select(Operation.id).where(Operation.start_date < operation.start_date, Operation.id != operation.id)
    seizures = select(Seizure).where(
        policy.records_anywhere(member.user), Seizure.operation_id.in_(earlier), counted(),
        exists().where(SeizureItem.seizure_id == Seizure.id, SeizureItem.taxon_id.in_(taxa))).subquery()
    s = seizures.c

    async def top(*columns: Any, where: Any = None) -> list[dict[str, Any]]:
        query = select(*columns, func.count().label("n")).select_from(seizures).group_by(*columns)
        if where is not None:
            query = query.where(where)
        rows = (await session.execute(query.order_by(func.count().desc(), *columns).limit(TOP))).all()
        return [{**{c.key: value for c, value in zip(columns, row[:-1], strict=True)}, "seizures": row[-1]}
                for row in rows]

    total = await session.scalar(select(func.count()).select_from(seizures)) if taxa else 0
    if not total:
        return {"seizures": 0, "operations": []}
    codes = (await session.scalars(select(Operation.code).where(Operation.id.in_(
        select(s.operation_id).distinct())).order_by(Operation.start_date))).all()
    return {
        "seizures": total, "operations": list(codes),
        "routes": await top(s.origin_country, s.destination_country,
                            where=s.origin_country.is_not(None) & s.destination_country.is_not(None)),
        "hubs": await top(s.location, s.reporting_country, where=s.location.is_not(None)),
        "concealment": await top(s.concealment, where=s.concealment.is_not(None)),
        "detection": await top(s.detection_method, where=s.detection_method.is_not(None)),
        "modes": await top(s.transport_mode, where=s.transport_mode.is_not(None)),
    }
