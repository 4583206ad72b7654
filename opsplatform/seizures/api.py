"""JSON API for results (CONTRACT.md): seizures with items and suspects, status changes, nil returns."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_409_CONFLICT

from opsplatform.web.api_docs import ERRORS, ERRORS_WITH_CONFLICT
from opsplatform.web.deps import Db
from opsplatform import policy
from opsplatform.auth.guards import requires
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _
from opsplatform.operations.controllers import visible_operation
from opsplatform.operations.services import Conflict
from opsplatform.seizures import returns, services
from opsplatform.seizures.models import Seizure

PAGE = 200


async def visible_seizure(db: Db, user: Any, operation_id: int, seizure_id: int) -> Seizure:
    seizure = await db.scalar(policy.visible_seizures(user).where(Seizure.operation_id == operation_id,
                                                                  Seizure.id == seizure_id))
    if seizure is None:
        raise NotFoundException(_("no seizure %(id)s that you can see", id=seizure_id))
    return seizure


class SeizureApi(Controller):
    path = "/api/v1/operations/{code:str}"
    tags = ["results"]

    @get("/seizures", name="api:seizures", responses=ERRORS, guards=[requires("view_records")],
         summary="Seizures you can see in full, newest first (paged with offset)")
    async def list_seizures(self, request: Request, db: Db, code: FromPath[str],
                            offset: FromQuery[int] = 0) -> list[dict[str, Any]]:
        operation = await visible_operation(db, request.user, code)
        seizures = (await db.scalars(policy.visible_seizures(request.user)
                                     .where(Seizure.operation_id == operation.id)
                                     .order_by(Seizure.id.desc()).offset(max(offset, 0)).limit(PAGE))).all()
        settings = request.app.state.settings
        return [await services.seizure_json(db, settings, s, request.user) for s in seizures]

    @post("/seizures", name="api:seizures:create", responses=ERRORS, guards=[requires("log_records")], status_code=201,
          summary="Log a seizure with its items (and suspects); submitted unless status is draft")
    async def create(self, request: Request, db: Db, code: FromPath[str],
                     data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
        operation = await visible_operation(db, request.user, code)
        seizure = await services.create_seizure(db, request.app.state.settings, operation, request.user, data)
        await db.commit()
        return await services.seizure_json(db, request.app.state.settings, seizure, request.user)

    @get("/seizures/{seizure_id:int}", name="api:seizure", responses=ERRORS, guards=[requires("view_records")],
         summary="One seizure")
    async def detail(self, request: Request, db: Db, code: FromPath[str],
                     seizure_id: FromPath[int]) -> dict[str, Any]:
        operation = await visible_operation(db, request.user, code)
        seizure = await visible_seizure(db, request.user, operation.id, seizure_id)
        return await services.seizure_json(db, request.app.state.settings, seizure, request.user)

    @patch("/seizures/{seizure_id:int}", name="api:seizure:update", guards=[requires("log_records")],
           responses=ERRORS_WITH_CONFLICT,
           summary="Correct a seizure; send the version you read (409 if someone changed it since)")
    async def update(self, request: Request, db: Db, code: FromPath[str], seizure_id: FromPath[int],
                     data: JSONBody[dict[str, Any]]) -> Response[dict[str, Any]]:
        operation = await visible_operation(db, request.user, code)
        seizure = await visible_seizure(db, request.user, operation.id, seizure_id)
        if not isinstance(data.get("version"), int):
            raise InvalidInput.one("version", _("send the version you read (an integer)"))
        settings = request.app.state.settings
        try:
            await services.update_seizure(db, settings, operation, seizure, request.user, data, data["version"])
        except Conflict:
            await db.rollback()
            await db.refresh(seizure)
            return Response({"status_code": 409, "detail": _("changed by someone else since you read it"),
                             "current": await services.seizure_json(db, settings, seizure, request.user)},
                            status_code=HTTP_409_CONFLICT)
        await db.commit()
        return Response(await services.seizure_json(db, settings, seizure, request.user))

    @post("/seizures/{seizure_id:int}/status", name="api:seizure:status", guards=[requires("view_records")],
          responses=ERRORS, status_code=200,
          summary="validate, query (coordinators); answer, withdraw, submit (the reporting country)")
    async def status(self, request: Request, db: Db, code: FromPath[str], seizure_id: FromPath[int],
                     data: JSONBody[dict[str, str]]) -> dict[str, Any]:
        operation = await visible_operation(db, request.user, code)
        seizure = await visible_seizure(db, request.user, operation.id, seizure_id)
        await services.change_status(db, seizure, request.user, data.get("action", ""), data.get("message", ""))
        await db.commit()
        return await services.seizure_json(db, request.app.state.settings, seizure, request.user)

    @post("/nil-returns", name="api:nil_returns", responses=ERRORS, guards=[requires("log_records")], status_code=201,
          summary="Say a day had nothing to report")
    async def nil_return(self, request: Request, db: Db, code: FromPath[str],
                         data: JSONBody[dict[str, str]]) -> dict[str, Any]:
        operation = await visible_operation(db, request.user, code)
        try:
            day = date.fromisoformat(str(data.get("date", "")))
        except ValueError as exc:
            raise InvalidInput.one("date", _("must be a date as YYYY-MM-DD")) from exc
        country = await services.reporting_country(db, operation, request.user, data)
        nil = await returns.record_nil_return(db, operation, request.user, country, day)
        await db.commit()
        return {"country": nil.country_code, "date": nil.day.isoformat()}
