"""JSON API for figures: the CONTRACT.md summary, filtered by the same parameters as the dashboard."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get

from opsplatform.reporting.filters import ResultFilter
from opsplatform.reporting.summary import summary
from opsplatform.web.access import Membership
from opsplatform.web.api_docs import ERRORS
from opsplatform.web.deps import Db


class ReportingApi(Controller):
    path = "/api/v1/operations/{code:str}"
    tags = ["results"]

    @get("/summary", name="api:summary", responses=ERRORS,
         summary="The operation's figures; filters: start, end, countries, regions, networks, taxon_groups, taxa, "
                 "terms, modes")
    async def summary(self, request: Request, db: Db, member: Membership) -> dict[str, Any]:
        return await summary(db, member, ResultFilter.from_params(request.query_params))
