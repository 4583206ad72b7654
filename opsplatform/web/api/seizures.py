"""JSON API for results: seizures with their items and suspects, their attachments, status changes, nil returns."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_409_CONFLICT
from sqlalchemy import select

from opsplatform import dates, policy
from opsplatform.errors import Conflict, InvalidInput
from opsplatform.i18n import _
from opsplatform.models.seizures import COMPANY_NOMINAL, SEIZURE_NOMINAL, SUSPECT_NOMINAL, Seizure
from opsplatform.policy import Member
from opsplatform.seizures import attachments, returns, services, shapes, submission
from opsplatform.seizures.validation import (
    CASE_COUNTRIES,
    CASE_FLAGS,
    CODED,
    COMPANY_TEXT_LIMITS,
    ITEM_CODED,
    ITEM_TEXT_LIMITS,
    MAX_COMPANIES,
    MAX_COUNT,
    MAX_ITEMS,
    MAX_MONEY,
    MAX_QUANTITY,
    MAX_SUSPECTS,
    NOMINAL_DAYS,
    NOMINAL_LIMIT,
    SUSPECT_CODED,
    SUSPECT_TEXT_LIMITS,
    TEXT_LIMITS,
)
from opsplatform.web import idempotency
from opsplatform.web.access import Membership, ReadableAttachment, ReadableSeizure, needs
from opsplatform.web.api_docs import CREATE_ERRORS, ERRORS, ERRORS_WITH_CONFLICT
from opsplatform.web.api_schema import (
    COUNTRY,
    coded,
    day,
    documented,
    flag,
    follow,
    identifier,
    is_version,
    listing,
    number,
    shape,
    text,
    version,
    whole,
)
from opsplatform.web.case_files import file_response
from opsplatform.web.deps import Db, Offset
from opsplatform.web.redirects import url_for

PAGE = 200
RECORDS = needs("view_records")
LOG = needs("log_records")

# --- the documented shapes (validation.py and submission.check_submission decide) ---------------------------------

COUNTRIES = listing(COUNTRY, "Country codes (a text of codes separated by ; or , is understood)")


def nominal(names: tuple[str, ...], what: str = "") -> dict[str, Any]:
    """Fields that identify a person or a business's contacts: taken only from users cleared for them, answered only
    to them; left empty in a correction, the stored value is kept."""
    said = f"Nominal{what}: only from users cleared for it"
    return {name: day(said) if name in NOMINAL_DAYS else text(said, max_length=NOMINAL_LIMIT) for name in names}

ITEM = shape("SeizureItem", {
    "item_no": whole("Its number in the seizure (1, 2, …); numbered in order when left out", minimum=1,
                     maximum=MAX_COUNT),
    "taxon": text("Scientific name of the lowest known taxon (GET /api/v1/taxa?q= finds it)", nullable=False),
    "term": text("CITES trade term code such as TUS, SCA, LIV", nullable=False),
    "quantity": number("In its unit", exclusive_minimum=0, maximum=MAX_QUANTITY, nullable=False),
    "unit": text("CITES unit code such as KGM or MTQ, one the term is recorded in or that converts into one (kg, g, "
                 "t, m3, l and the former codes KIL, CUM, SQM, CCM are understood; answered in the current code); "
                 "left out or NAR: number of specimens"),
    "estimated_value": number("With its currency", minimum=0, maximum=MAX_MONEY),
    "currency": text("ISO 4217 code such as USD, with the estimated value"),
    **{name: coded(values) for name, values in ITEM_CODED.items()},
    **{name: text(max_length=limit) for name, limit in ITEM_TEXT_LIMITS.items()},
}, required=("taxon", "term", "quantity"))

SUSPECT = shape("Suspect", {
    "id": identifier("The stored suspect this one corrects; left out for a new one"),
    "nationality": COUNTRY,
    **{name: coded(values) for name, values in SUSPECT_CODED.items()},
    "role": coded(SUSPECT_CODED["role"], "The function in the offence"),
    "arrest_date": day(),
    **{name: text(max_length=limit) for name, limit in SUSPECT_TEXT_LIMITS.items()},
    **nominal(SUSPECT_NOMINAL),
    "name": text("Nominal: only from users cleared for it. The whole name, for records made before family_name and "
                 "first_names; shown when neither is given", max_length=NOMINAL_LIMIT),
    "document_number": text("Nominal: only from users cleared for it (matched across countries by a keyed hash)",
                            max_length=NOMINAL_LIMIT),
})

COMPANY = shape("Company", {
    "id": identifier("The stored company this one corrects; left out for a new one"),
    **{name: text(max_length=limit) for name, limit in COMPANY_TEXT_LIMITS.items()},
    **nominal(COMPANY_NOMINAL, " (a business's contacts and registration are kept as nominal data)"),
})

SEIZURE_FIELDS = {
    **{name: text(max_length=limit) for name, limit in TEXT_LIMITS.items()},
    "seizure_ref": text("Your own reference for the seizure, unique in your country's records", min_length=1,
                        max_length=TEXT_LIMITS["seizure_ref"], nullable=False),
    "seizure_date": day("Inside the operation's window", nullable=False),
    "seizure_time": text("Time of day, HH:MM", pattern=r"^([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"),
    "latitude": number("With the longitude, or neither", minimum=-90, maximum=90),
    "longitude": number("With the latitude, or neither", minimum=-180, maximum=180),
    **{name: coded(values) for name, values in CODED.items()},
    **dict.fromkeys(("origin_country", "export_country", "destination_country", *CASE_COUNTRIES), COUNTRY),
    **{name: flag("Yes, no, or null when not known") for name in CASE_FLAGS},
    **nominal(SEIZURE_NOMINAL),
    "transit_countries": COUNTRIES,
    "suspect_nationalities": COUNTRIES,
    "suspects_arrested": whole(minimum=0, maximum=MAX_COUNT),
    "items": listing(ITEM, "Every item; a correction replaces them all", min_items=1, max_items=MAX_ITEMS,
                     nullable=False),
    "suspects": listing(SUSPECT, "Sent with a correction, the list replaces the record's suspects; left out (or "
                                 "null), they are kept", max_items=MAX_SUSPECTS),
    "companies": listing(COMPANY, "The companies involved (the Ecomessage's item 6); sent with a correction, the list "
                                  "replaces them; left out (or null), they are kept", max_items=MAX_COMPANIES),
    "status": coded(submission.ENTRY_STATUSES, "draft, or submitted (when left out)"),
    "shared_with_participants": flag("Shown in full to the other participating countries (your country's default "
                                     "when left out)"),
    "publicity_approved": flag("The reporting country's focal points approve the seizure as a highlight of the "
                               "public release, described in public_description"),
    "public_description": text("The seizure as the press may print it, with no names",
                               max_length=TEXT_LIMITS["public_description"]),
    "reporting_country": text("Coordinators: the country the seizure is reported for (a focal point logs for its "
                              "own)"),
}
NEW_SEIZURE = shape("NewSeizure", SEIZURE_FIELDS, required=("seizure_ref", "seizure_date", "items"))
SEIZURE_CORRECTION = shape("SeizureCorrection", {
    **SEIZURE_FIELDS, "version": version(),
    "correction_reason": text("Why, when you change another country's record: that country sees it and is told"),
}, required=("version",), description="The fields to change; those left out keep their values")
STATUS_CHANGE = shape("StatusChange", {
    "action": coded(services.STEPS, "validate, query (coordinators); answer, withdraw, submit (the reporting "
                                    "country)", nullable=False),
    "message": text("Required to query, answer or withdraw"),
    "version": version(nullable=True),
}, required=("action",))
NIL_RETURN = shape("NilReturn", {"date": day("A day with nothing to report", nullable=False),
                                 "reporting_country": SEIZURE_FIELDS["reporting_country"]}, required=("date",))

# From a record to the routes that take it.
SEIZURE_LINKS = follow("api:seizure", "api:seizure:update", "api:seizure:status", "api:case_events",
                       "api:case_events:add", "api:ecomessage:html",
                       code="$request.path.code", seizure_id="$response.body#/id")


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
        parts = await shapes.parts_of(db, [s.id for s in seizures])
        return [await shapes.seizure_json(db, settings, member, s, parts) for s in seizures]

    @post("/seizures", name="api:seizures:create", responses=CREATE_ERRORS, dependencies=LOG, status_code=201,
          summary="Log a seizure with its items (and suspects); submitted unless status is draft",
          operation_class=documented(NEW_SEIZURE, parameters=[idempotency.PARAMETER], links={201: SEIZURE_LINKS}))
    async def create(self, request: Request, db: Db, member: Membership,
                     data: JSONBody[dict[str, Any]]) -> Response[dict[str, Any]]:
        settings = request.app.state.settings

        async def create() -> dict[str, Any]:
            seizure, parts = await services.create_seizure_with_parts(db, settings, member, data)
            return await shapes.seizure_json(db, settings, member, seizure, parts)

        return await idempotency.created(request, db, create)

    @get("/seizures/{seizure_id:int}", name="api:seizure", responses=ERRORS, dependencies=RECORDS,
         summary="One seizure")
    async def detail(self, request: Request, db: Db, member: Membership, seizure: ReadableSeizure) -> dict[str, Any]:
        return await shapes.seizure_json(db, request.app.state.settings, member, seizure)

    @patch("/seizures/{seizure_id:int}", name="api:seizure:update", dependencies=LOG,
           responses=ERRORS_WITH_CONFLICT,
           summary="Correct a seizure; send the version you read (409 if someone changed it since); a correction "
                   "of another country's record carries correction_reason",
           operation_class=documented(SEIZURE_CORRECTION, links={200: SEIZURE_LINKS}))
    async def update(self, request: Request, db: Db, member: Membership, seizure: ReadableSeizure,
                     data: JSONBody[dict[str, Any]]) -> Response[dict[str, Any]]:
        if not is_version(data.get("version")):
            raise InvalidInput.one("version", _("send the version you read (an integer)"))
        settings = request.app.state.settings
        return await _changed(request, db, member, seizure, lambda: services.update_seizure(
            db, settings, member, seizure, data, data["version"]))

    @post("/seizures/{seizure_id:int}/status", name="api:seizure:status", dependencies=RECORDS,
          responses=ERRORS_WITH_CONFLICT, status_code=200,
          summary="validate, query (coordinators); answer, withdraw, submit (the reporting country); send the "
                  "version you read to refuse a step on a record changed since",
          operation_class=documented(STATUS_CHANGE, links={200: SEIZURE_LINKS}))
    async def status(self, request: Request, db: Db, member: Membership, seizure: ReadableSeizure,
                     data: JSONBody[dict[str, Any]]) -> Response[dict[str, Any]]:
        version = data.get("version")
        if version is not None and not is_version(version):
            raise InvalidInput.one("version", _("must be the version you read (an integer)"))
        return await _changed(request, db, member, seizure, lambda: services.change_status(
            db, member, seizure, str(data.get("action") or ""), data.get("message"), version))

    # A record's files are read by exactly its readers (`policy.records`); anyone else is answered 404.
    @get("/seizures/{seizure_id:int}/attachments", name="api:seizure:attachments", responses=ERRORS,
         summary="The record's photos and documents, oldest first (each file at its url)")
    async def list_attachments(self, request: Request, db: Db, member: Membership,
                               seizure: ReadableSeizure) -> list[dict[str, Any]]:
        code = member.operation.code
        return [attachments.attachment_json(a, url_for(request.app, "api:seizure:attachment", code=code,
                                                       seizure_id=seizure.id, file_id=a.id))
                for a in await attachments.attachments_of(db, seizure)]

    @get("/seizures/{seizure_id:int}/attachments/{file_id:int}", name="api:seizure:attachment", responses=ERRORS,
         summary="A photo or document of the record as it was sent, typed by its content",
         operation_class=documented(media_types=attachments.ACCEPTED))
    async def attachment_file(self, db: Db, attachment: ReadableAttachment) -> Response[bytes]:
        content = await attachments.stored(db, attachment, "content")
        return file_response(content or b"", attachment.content_type, attachment.filename)

    @post("/nil-returns", name="api:nil_returns", responses=CREATE_ERRORS, dependencies=LOG, status_code=201,
          summary="Say a day had nothing to report",
          operation_class=documented(NIL_RETURN, parameters=[idempotency.PARAMETER]))
    async def nil_return(self, request: Request, db: Db, member: Membership,
                         data: JSONBody[dict[str, Any]]) -> Response[dict[str, Any]]:
        day = dates.required_day(data.get("date"), "date")

        async def create() -> dict[str, Any]:
            nil = await returns.record_nil_return(db, member, await services.reporting_country(db, member, data), day)
            return {"country": nil.country_code, "date": nil.day.isoformat()}

        return await idempotency.created(request, db, create)


async def _changed(request: Request, db: Db, member: Member, seizure: Seizure,
                   change: Callable[[], Awaitable[object]]) -> Response[dict[str, Any]]:
    """Run a change sent with the version read, and answer the record as it is now: committed, or unchanged with 409
    when someone changed it since."""
    try:
        await change()
    except Conflict:
        await db.rollback()
        await db.refresh(seizure)
        current = await shapes.seizure_json(db, request.app.state.settings, member, seizure)
        return Response({"status_code": 409, "detail": _("changed by someone else since you read it"),
                         "current": current}, status_code=HTTP_409_CONFLICT)
    await db.commit()
    return Response(await shapes.seizure_json(db, request.app.state.settings, member, seizure))
