"""JSON API for results: seizures with their items and suspects, status changes, nil returns."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_409_CONFLICT
from sqlalchemy import select

from opsplatform import policy
from opsplatform.errors import Conflict, InvalidInput
from opsplatform.i18n import _
from opsplatform.seizures import returns, services
from opsplatform.seizures.models import Seizure
from opsplatform.web.access import Membership, ReadableSeizure, needs
from opsplatform.web.api_docs import ERRORS, ERRORS_WITH_CONFLICT
from opsplatform.web.deps import Db, Offset

PAGE = 200
RECORDS = needs("view_records")
LOG = needs("log_records")


class SeizureApi(Controller):
    path = "/api/v1/operations/{code:str}"
    tags = ["results"]

    @get("/seizures", name="api:seizures", responses=ERRORS, dependencies=RECORDS,
         summary="Seizures you can see in full, newest first (paged with offset)")
    async def list_seizures(self, request: Request, db: Db, member: Membership,
                            offset: Offset = 0) -> list[dict[str, Any]]:
        seizures = (await db.scalars(select(Seizure).where(policy.records(member))
                                     .order_by(Seizure.id.desc()).offset(offset).limit(PAGE))).all()
        settings = request.app.state.settings
        return [await services.seizure_json(db, settings, member, s) for s in seizures]

    @post("/seizures", name="api:seizures:create", responses=ERRORS, dependencies=LOG, status_code=201,
          summary="Log a seizure with its items (and suspects); submitted unless status is draft")
    async def create(self, request: Request, db: Db, member: Membership,
                     data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
        seizure = await services.create_seizure(db, request.app.state.settings, member, data)
        await db.commit()
        return await services.seizure_json(db, request.app.state.settings, member, seizure)

    @get("/seizures/{seizure_id:int}", name="api:seizure", responses=ERRORS, dependencies=RECORDS,
         summary="One seizure")
    async def detail(self, request: Request, db: Db, member: Membership, seizure: ReadableSeizure) -> dict[str, Any]:
        return await services.seizure_json(db, request.app.state.settings, member, seizure)

    @patch("/seizures/{seizure_id:int}", name="api:seizure:update", dependencies=LOG,
           responses=ERRORS_WITH_CONFLICT,
           summary="Correct a seizure; send the version you read (409 if someone changed it since); a correction "
                   "of another country's record carries correction_reason")
    async def update(self, request: Request, db: Db, member: Membership, seizure: ReadableSeizure,
                     data: JSONBody[dict[str, Any]]) -> Response[dict[str, Any]]:
        if not isinstance(data.get("version"), int) or isinstance(data.get("version"), bool):
            raise InvalidInput.one("version", _("send the version you read (an integer)"))
        settings = request.app.state.settings
        try:
            await services.update_seizure(db, settings, member, seizure, data, data["version"])
        except Conflict:
            await db.rollback()
            await db.refresh(seizure)
            return Response({"status_code": 409, "detail": _("changed by someone else since you read it"),
                             "current": await services.seizure_json(db, settings, member, seizure)},
                            status_code=HTTP_409_CONFLICT)
        await db.commit()
        return Response(await services.seizure_json(db, settings, member, seizure))

    @post("/seizures/{seizure_id:int}/status", name="api:seizure:status", dependencies=RECORDS,
          responses=ERRORS_WITH_CONFLICT, status_code=200,
          summary="validate, query (coordinators); answer, withdraw, submit (the reporting country); send the "
                  "version you read to refuse a step on a record changed since")
    async def status(self, request: Request, db: Db, member: Membership, seizure: ReadableSeizure,
                     data: JSONBody[dict[str, Any]]) -> Response[dict[str, Any]]:
        version = data.get("version")
        if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
            raise InvalidInput.one("version", _("must be the version you read (an integer)"))
        settings = request.app.state.settings
        try:
            await services.change_status(db, member, seizure, str(data.get("action") or ""),
                                         str(data.get("message") or ""), version)
        except Conflict:
            await db.rollback()
            await db.refresh(seizure)
            return Response({"status_code": 409, "detail": _("changed by someone else since you read it"),
                             "current": await services.seizure_json(db, settings, member, seizure)},
                            status_code=HTTP_409_CONFLICT)
        await db.commit()
        return Response(await services.seizure_json(db, settings, member, seizure))

    @post("/nil-returns", name="api:nil_returns", responses=ERRORS, dependencies=LOG, status_code=201,
          summary="Say a day had nothing to report")
    async def nil_return(self, db: Db, member: Membership, data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
        try:
            day = date.fromisoformat(str(data.get("date", "")))
        except ValueError as exc:
            raise InvalidInput.one("date", _("must be a date as YYYY-MM-DD")) from exc
        country = await services.reporting_country(db, member, data)
        nil = await returns.record_nil_return(db, member, country, day)
        await db.commit()
        return {"country": nil.country_code, "date": nil.day.isoformat()}
