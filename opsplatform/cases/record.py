"""What a record page shows of its case: links to other countries' records, where it is counted, the follow-up."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.cases.followup import case_events
from opsplatform.cases.links import counted_as, links_of
from opsplatform.models.cases import LinkKind
from opsplatform.models.operations import Participant
from opsplatform.models.seizures import Seizure, SeizureStatus
from opsplatform.models.vocabulary import CASE_STAGES, DISPOSALS
from opsplatform.policy import Member


async def record_context(session: AsyncSession, member: Member, seizure: Seizure,
                         form: dict[str, Any] | None = None) -> dict[str, Any]:
    """The case section of a record page; `form` holds a refused form's section, values and errors."""
    open_record = seizure.status != SeizureStatus.withdrawn
    others = (await session.scalars(select(Participant.country_code).where(
        Participant.operation_id == member.operation.id, Participant.country_code != seizure.reporting_country)
        .order_by(Participant.country_code))).all()
    return {
        "links": await links_of(session, member, seizure), "counted_as": await counted_as(session, member, seizure),
        "events": await case_events(session, seizure),
        "may_link": open_record and policy.may_request_link(member, seizure),
        "may_follow_up": open_record and policy.may(member, "follow_up") and policy.may_change(member, seizure),
        "kinds": list(LinkKind), "stages": CASE_STAGES, "disposals": DISPOSALS, "other_countries": others,
        "form": form or {"section": None, "values": {}, "errors": {}},
    }
