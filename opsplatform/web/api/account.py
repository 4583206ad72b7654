"""API: who the token belongs to (lets national systems check their token)."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Controller, Request, get

from opsplatform.web.api_docs import ERRORS
from opsplatform.web.guards import login_required


@dataclass
class Me:
    id: int
    email: str
    name: str
    role: str
    country: str | None
    network: str | None
    cleared_for_nominal: bool
    language: str


class AccountApi(Controller):
    path = "/api/v1"
    guards = [login_required]
    tags = ["account"]

    @get("/me", name="api:me", responses=ERRORS, summary="The account the token belongs to")
    async def me(self, request: Request) -> Me:
        u = request.user
        return Me(id=u.id, email=u.email, name=u.name, role=u.role, country=u.country_code, network=u.network_code,
                  cleared_for_nominal=u.cleared_for_nominal, language=u.language)
