"""Shared set-up for the case exchange tests: records logged through the one service path, focal points invited."""

from __future__ import annotations

import copy
from typing import Any

from opsplatform.models.auth import User
from opsplatform.models.operations import FocalPoint, Operation
from opsplatform.models.seizures import Seizure
from opsplatform.seizures.services import create_seizure
from opsplatform.settings import Settings
from tests.results_support import IVORY, member


async def logged(db, settings: Settings, operation: Operation, user: User, ref: str, **changes: Any) -> Seizure:
    """A record like IVORY, with its own reference and the changes given; committed."""
    raw = {**copy.deepcopy(IVORY), "seizure_ref": ref, **changes}
    if user.role != "focal_point":
        raw.setdefault("reporting_country", "KEN")
    if not user.cleared_for_nominal:
        raw["suspects"] = [{k: v for k, v in s.items() if k not in ("name", "date_of_birth", "document_number")}
                           for s in raw.get("suspects") or []]
    seizure = await create_seizure(db, settings, await member(db, user, operation), raw)
    await db.commit()
    return seizure


async def invite(db, operation: Operation, *users: User) -> None:
    """Make focal points of the operation (the directory notifications go to)."""
    for user in users:
        db.add(FocalPoint(operation_id=operation.id, country_code=user.country_code, user_id=user.id))
    await db.commit()
