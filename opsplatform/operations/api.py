"""JSON API for operations (CONTRACT.md): the operation file's shape in and out."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.params import FromQuery, JSONBody
from litestar.status_codes import HTTP_409_CONFLICT
from sqlalchemy import func, select

from opsplatform import policy
from opsplatform.auth.guards import login_required, requires
from opsplatform.errors import Conflict, InvalidInput
from opsplatform.i18n import _
from opsplatform.operations import services
from opsplatform.operations.models import Participant
from opsplatform.operations.spec import operation_spec, parse_spec
from opsplatform.reference import lookup
from opsplatform.web.access import ReadableOperation, needs
from opsplatform.web.api_docs import ERRORS, ERRORS_WITH_CONFLICT
from opsplatform.web.deps import Db

EDIT = needs("edit_operation")


class OperationApi(Controller):
    path = "/api/v1"
    tags = ["operations"]

    @get("/operations", name="api:operations", responses=ERRORS, guards=[login_required],
         summary="Operations you can see, newest first")
    async def list_operations(self, request: Request, db: Db) -> list[dict[str, Any]]:
        visible = policy.visible_operations(request.user).subquery()
        counts = (select(Participant.operation_id, func.count().label("n")).group_by(Participant.operation_id)
                  .subquery())
        rows = (await db.execute(select(visible, func.coalesce(counts.c.n, 0))
                                 .outerjoin(counts, counts.c.operation_id == visible.c.id)
                                 .order_by(visible.c.start_date.desc()))).all()
        return [{"code": r.code, "name": r.name, "phase": r.phase, "start": r.start_date.isoformat(),
                 "end": r.end_date.isoformat(), "countries": r[-1]} for r in rows]

    @post("/operations", name="api:operations:create", responses=ERRORS, guards=[requires("create_operations")],
          summary="Create an operation from an operation file; you join and lead it", status_code=201)
    async def create(self, request: Request, db: Db, data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
        operation = await services.create_operation(db, await parse_spec(db, data), request.user)
        await db.commit()
        return await operation_spec(db, operation)

    @get("/operations/{code:str}", name="api:operation", responses=ERRORS,
         summary="One operation in the operation-file shape")
    async def detail(self, db: Db, operation: ReadableOperation) -> dict[str, Any]:
        return await operation_spec(db, operation)

    @patch("/operations/{code:str}", name="api:operation:update", dependencies=EDIT, responses=ERRORS_WITH_CONFLICT,
           summary="Change an operation's core fields (its leads); send the version you read (409 if stale)")
    async def update(self, db: Db, operation: ReadableOperation, data: JSONBody[dict[str, Any]]) -> Response[dict[str, Any]]:
        if not isinstance(data.get("version"), int):
            raise InvalidInput.one("version", _("send the version you read (an integer)"))
        current = await operation_spec(db, operation)
        # Participants, targets, routes and the team have their own pages; a PATCH changes the core fields.
        merged = {**{k: v for k, v in current.items() if k != "team"},
                  **{k: v for k, v in data.items() if k not in ("countries", "target_taxa", "routes", "team")}}
        spec = await parse_spec(db, merged, existing_id=operation.id)
        try:
            await services.update_operation(db, operation, spec, data["version"])
        except Conflict:
            await db.rollback()
            return Response({"status_code": 409, "detail": _("changed by someone else since you read it"),
                             "current": current}, status_code=HTTP_409_CONFLICT)
        await db.commit()
        return Response(await operation_spec(db, operation))

    @post("/operations/{code:str}/phase", name="api:operation:phase", dependencies=EDIT,
          responses=ERRORS, summary="Move an operation to a phase by hand (its leads)", status_code=200)
    async def phase(self, db: Db, operation: ReadableOperation, data: JSONBody[dict[str, str]]) -> dict[str, Any]:
        await services.set_phase(db, operation, data.get("phase", ""))
        await db.commit()
        return await operation_spec(db, operation)

    @get("/taxa", name="api:taxa", responses=ERRORS, guards=[login_required],
         summary="Search taxa by scientific or common name (English, French, Spanish)")
    async def taxa(self, db: Db, q: FromQuery[str]) -> list[dict[str, Any]]:
        return [{"scientific_name": t.scientific_name, "rank": t.rank, "appendix": t.appendix,
                 "taxon_group": t.taxon_group, "common_name_en": t.common_name_en, "common_name_fr": t.common_name_fr,
                 "common_name_es": t.common_name_es} for t in await lookup.search_taxa(db, q)]

