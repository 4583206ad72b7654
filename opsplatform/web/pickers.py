"""What the filter bars offer to pick from, in the reader's language: countries and trade terms by name (the
pickers search them as the person types; a code typed instead is still read), regions, networks, taxon groups and
transport modes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.models.reference import Network, TradeTerm
from opsplatform.models.vocabulary import TRANSPORT_MODES
from opsplatform.reference import lookup
from opsplatform.reference.loader import TAXON_GROUPS


async def filter_choices(session: AsyncSession) -> dict[str, Any]:
    return {"options": {
        "countries": await lookup.country_choices(session), "terms": await lookup.coded_names(session, TradeTerm),
        "regions": await lookup.region_choices(session),
        "networks": (await session.scalars(select(Network.code).order_by(Network.code))).all(),
        "modes": TRANSPORT_MODES, "groups": TAXON_GROUPS}}
