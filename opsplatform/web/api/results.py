"""JSON API for figures: the summary of docs/reference.md, filtered by the same parameters as the dashboard."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from typing import Any, get_args, get_type_hints

from litestar import Controller, Request, get
from litestar.openapi.spec import Parameter

from opsplatform.models.vocabulary import TRANSPORT_MODES
from opsplatform.reporting.filters import ResultFilter, read_filter
from opsplatform.reporting.summary import summary
from opsplatform.web.access import Membership
from opsplatform.web.api_docs import ERRORS
from opsplatform.web.api_schema import coded, day, documented, listing, query, text
from opsplatform.web.deps import Reads

# The filter's parameters as the document lists them; read_filter reads and checks them.
FILTER_HELP = {
    "start": "Seizures from this day on",
    "end": "Seizures up to this day",
    "countries": "Reporting countries: ISO 3166-1 alpha-3 or alpha-2 codes, or names in English, French or Spanish",
    "regions": "UN M49 region codes (region, subregion or intermediate region)",
    "networks": "Enforcement network codes: their member countries",
    "taxon_groups": "Taxon groups",
    "taxa": "Scientific names, or common names in English, French or Spanish; each covers every taxon below it",
    "terms": "CITES trade term codes, or their names in English, French or Spanish",
    "modes": "Transport modes (unknown: not given)",
}
VALUES = {"modes": coded((*TRANSPORT_MODES, "unknown"), nullable=False)}


def filter_parameters() -> list[Parameter]:
    """One query parameter per ResultFilter field: a date, or a list (repeated, or joined by commas)."""
    hints = get_type_hints(ResultFilter)
    return [query(f.name, day(nullable=False) if date in get_args(hints[f.name])
                  else listing(VALUES.get(f.name, text(nullable=False)), nullable=False), FILTER_HELP[f.name])
            for f in fields(ResultFilter)]


class ReportingApi(Controller):
    path = "/api/v1/operations/{code:str}"
    tags = ["results"]

    @get("/summary", name="api:summary", responses=ERRORS,
         summary="The operation's figures, filtered as the dashboard filters them",
         operation_class=documented(parameters=filter_parameters()))
    async def summary(self, request: Request, reads: Reads, member: Membership) -> dict[str, Any]:
        return await summary(reads, member, await read_filter(reads, request.query_params))
