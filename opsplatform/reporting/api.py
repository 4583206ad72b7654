"""JSON API for figures: the CONTRACT.md summary, filtered by the same parameters as the dashboard."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath

from opsplatform.web.api_docs import ERRORS
from opsplatform.auth.guards import requires
from opsplatform.operations.controllers import visible_operation
from opsplatform.reporting.filters import ResultFilter
from opsplatform.reporting.summary import summary
from opsplatform.web.deps import Db


class ReportingApi(Controller):
    path = "/api/v1/operations/{code:str}"
    tags = ["results"]

    @get("/summary", name="api:summary", responses=ERRORS, guards=[requires("view_operations")],
         summary="The operation's figures (CONTRACT.md); filters: start, end, countries, regions, networks, "
                 "taxon_groups, taxa, terms, modes")
    async def summary(self, request: Request, db: Db, code: FromPath[str]) -> dict[str, Any]:
        operation = await visible_operation(db, request.user, code)
        return await summary(db, operation, request.user, ResultFilter.from_params(request.query_params))
