"""JSON API for operations (docs/reference.md): the operation file's shape in and out."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.openapi.spec import OpenAPIFormat
from litestar.params import FromQuery, JSONBody
from litestar.status_codes import HTTP_409_CONFLICT
from sqlalchemy import func, select

from opsplatform import policy
from opsplatform.errors import Conflict, InvalidInput
from opsplatform.i18n import _
from opsplatform.models.operations import Participant, Phase, Publicity
from opsplatform.models.vocabulary import TRANSPORT_MODES
from opsplatform.operations import services
from opsplatform.operations.spec import CODE_RE, MAX_GRACE_DAYS, NAME_LIMIT, operation_spec, parse_spec
from opsplatform.reference import lookup
from opsplatform.web import idempotency
from opsplatform.web.access import ReadableOperation, needs
from opsplatform.web.api_docs import CREATE_ERRORS, ERRORS, ERRORS_WITH_CONFLICT
from opsplatform.web.api_schema import (
    COUNTRY,
    coded,
    day,
    documented,
    flag,
    follow,
    is_version,
    listing,
    shape,
    text,
    version,
    whole,
)
from opsplatform.web.deps import Db
from opsplatform.web.guards import login_required, requires

EDIT = needs("edit_operation")

# --- the operation file's documented shape (operations/spec.py parses and checks it) ------------------------------

COUNTRY_CODES = listing(COUNTRY)
ROUTE = shape("Route", {
    "name": text(max_length=NAME_LIMIT, nullable=False),
    "origin": COUNTRY_CODES, "transit": COUNTRY_CODES, "destination": COUNTRY_CODES,
    "hubs": listing(text("An IATA airport code such as NBO, or a place written Name@latitude,longitude")),
    "modes": listing(coded(TRANSPORT_MODES, nullable=False)), "risk_notes": text(),
}, required=("name",))
CORE_FIELDS = {
    "code": text("2–40 capital letters, digits and hyphens, such as THUNDER-2026", pattern=CODE_RE.pattern,
                 nullable=False),
    "name": text(max_length=NAME_LIMIT, nullable=False),
    "start": day("First day of the window", nullable=False),
    "end": day("Last day of the window", nullable=False),
    "phase": coded(Phase, "draft when left out"),
    "series": text("The series it belongs to (the code without its year when left out)"),
    "objectives": text(),
    "lead_organisations": listing(text(nullable=False), "Codes of organisations or networks that lead it"),
    "grace_days": whole("Days after the window for late results", minimum=0, maximum=MAX_GRACE_DAYS),
    "release_embargo": text("When the public release may be published, after the window",
                            format=OpenAPIFormat.DATE_TIME),
}
OPERATION_FILE = shape("OperationFile", {
    **CORE_FIELDS,
    "countries": listing(shape("Participant", {"country": COUNTRY, "publicity": coded(Publicity)},
                               required=("country",)), "Participating countries (a plain code is understood)"),
    "target_taxa": listing(shape("Target", {"taxon": text("Scientific name", nullable=False),
                                            "priority": flag(), "notes": text()}, required=("taxon",))),
    "target_terms": listing(text("CITES trade term code", nullable=False)),
    "routes": listing(ROUTE),
    "team": listing(shape("TeamMember", {"email": text("Of an existing account", format=OpenAPIFormat.EMAIL,
                                                       nullable=False),
                                         "role": coded(policy.TEAM_ROLES, "The account's own when left out"),
                                         "lead": flag()}, required=("email",))),
}, required=("code", "name", "start", "end"))
OPERATION_CHANGE = shape("OperationChange", {**CORE_FIELDS, "version": version()}, required=("version",),
                         description="Core fields to change (participants, targets, routes and the team have their "
                                     "own pages); those left out keep their values")
PHASE_CHANGE = shape("PhaseChange", {"phase": coded(Phase, nullable=False)}, required=("phase",))
OPERATION_LINKS = follow("api:operation", "api:operation:update", "api:operation:phase", "api:seizures",
                         "api:summary", code="$response.body#/code")


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

    @post("/operations", name="api:operations:create", responses=CREATE_ERRORS, guards=[requires("create_operations")],
          summary="Create an operation from an operation file; you join and lead it", status_code=201,
          operation_class=documented(OPERATION_FILE, parameters=[idempotency.PARAMETER],
                                     links={201: OPERATION_LINKS}))
    async def create(self, request: Request, db: Db, data: JSONBody[dict[str, Any]]) -> Response[dict[str, Any]]:
        async def create() -> dict[str, Any]:
            operation = await services.create_operation(db, await parse_spec(db, data), request.user)
            return await operation_spec(db, operation)

        return await idempotency.created(request, db, create)

    @get("/operations/{code:str}", name="api:operation", responses=ERRORS,
         summary="One operation in the operation-file shape")
    async def detail(self, db: Db, operation: ReadableOperation) -> dict[str, Any]:
        return await operation_spec(db, operation)

    @patch("/operations/{code:str}", name="api:operation:update", dependencies=EDIT, responses=ERRORS_WITH_CONFLICT,
           summary="Change an operation's core fields (its leads); send the version you read (409 if stale)",
           operation_class=documented(OPERATION_CHANGE, links={200: OPERATION_LINKS}))
    async def update(self, db: Db, operation: ReadableOperation,
                     data: JSONBody[dict[str, Any]]) -> Response[dict[str, Any]]:
        if not is_version(data.get("version")):
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
          responses=ERRORS, summary="Move an operation to a phase by hand (its leads)", status_code=200,
          operation_class=documented(PHASE_CHANGE))
    async def phase(self, db: Db, operation: ReadableOperation, data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
        # Any JSON value reaches set_phase as text, so one that is not a phase is refused in its words.
        await services.set_phase(db, operation, str(data.get("phase") or ""))
        await db.commit()
        return await operation_spec(db, operation)

    @get("/taxa", name="api:taxa", responses=ERRORS, guards=[login_required],
         summary="Search taxa by scientific or common name (English, French, Spanish)")
    async def taxa(self, db: Db, q: FromQuery[str]) -> list[dict[str, Any]]:
        return [{"scientific_name": t.scientific_name, "rank": t.rank, "appendix": t.appendix,
                 "taxon_group": t.taxon_group, "common_name_en": t.common_name_en, "common_name_fr": t.common_name_fr,
                 "common_name_es": t.common_name_es} for t in await lookup.search_taxa(db, q)]

