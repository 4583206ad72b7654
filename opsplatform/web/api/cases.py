"""JSON API of the case exchange, for national systems: links, case events, the follow-up funnel, messages with
attachments, suspect matches, the Ecomessage and the annual illegal trade report."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, JSONBody
from sqlalchemy import select

from opsplatform import policy
from opsplatform.cases import annual_report, ecomessage, followup, links, messages
from opsplatform.cases.attachments import EXTENSIONS, MAX_BYTES, MAX_FILES
from opsplatform.cases.matching import match_json, matches_for
from opsplatform.database import record_id
from opsplatform.errors import FieldError, InvalidInput
from opsplatform.i18n import _
from opsplatform.models.cases import Audience, LinkKind, SeizureLink
from opsplatform.models.seizures import Seizure
from opsplatform.models.vocabulary import CASE_STAGES, DISPOSALS
from opsplatform.policy import Member
from opsplatform.web import api_schema as doc, idempotency
from opsplatform.web.access import Membership, ReadableLink, ReadableSeizure, needs
from opsplatform.web.api_docs import CREATE_ERRORS, ERRORS
from opsplatform.web.case_files import XLSX, annual_report_response, ecomessage_response, readable_attachment
from opsplatform.web.deps import Db
from opsplatform.web.guards import login_required, requires
from opsplatform.web.redirects import url_for

RECORDS, LINKS, FOLLOW_UP, MESSAGES = (needs(c) for c in ("view_records", "link_records", "follow_up", "messages"))
DECISIONS = ("accept", "refuse")

# --- the documented shapes (links.py, followup.py, messages.py and annual_report.py check what is sent) -------------

# Bounds those modules write inline.
REF_LIMIT, NOTE_LIMIT, SUBJECT_LIMIT, BODY_LIMIT, NOMINAL_LIMIT, FIRST_YEAR = 100, 2000, 200, 10000, 5000, 1975
NOTE = doc.text(max_length=NOTE_LIMIT)
LINK_REQUEST = doc.shape("LinkRequest", {
    "seizure_id": doc.identifier("Your record", nullable=False),
    "kind": doc.coded(LinkKind, nullable=False),
    "other_seizure_id": doc.identifier("Another country's record that you see in full"),
    "other_country": doc.text("Or: the other record's country (ISO 3166-1 alpha-3), with other_seizure_ref"),
    "other_seizure_ref": doc.text("That country's reference for its record", max_length=REF_LIMIT),
    "note": NOTE,
}, required=("seizure_id", "kind"))
LINK_DECISION = doc.shape("LinkDecision", {"decision": doc.coded(DECISIONS, nullable=False), "note": NOTE},
                          required=("decision",))
CASE_EVENT = doc.shape("CaseEvent", {
    "stage": doc.coded(CASE_STAGES, nullable=False),
    "date": doc.day("Between the seizure and today", nullable=False),
    "note": NOTE,
}, required=("stage", "date"))
DISPOSAL = doc.shape("Disposal", {
    "disposal": doc.coded(DISPOSALS, "What became of the confiscated specimens; null when not yet decided"),
}, required=("disposal",))
ATTACHMENTS = doc.listing(doc.shape("Attachment", {
    "filename": doc.text(nullable=False),
    "content_base64": doc.text(f"The file in base64, at most {MAX_BYTES // 2**20} MB",  # 4 characters per 3 bytes
                               max_length=-(-MAX_BYTES // 3) * 4, nullable=False),
}, required=("filename", "content_base64")), max_items=MAX_FILES)
REPLY_FIELDS = {
    "body": doc.text(min_length=1, max_length=BODY_LIMIT, nullable=False),
    "nominal": doc.text("Names and documents, shown only to readers cleared for them (from cleared users only)",
                        max_length=NOMINAL_LIMIT),
    "attachments": ATTACHMENTS,
}
MESSAGE = doc.shape("Message", {
    "kind": doc.coded(messages.TOP_LEVEL, nullable=False),
    "subject": doc.text(min_length=1, max_length=SUBJECT_LIMIT, nullable=False),
    **REPLY_FIELDS,
    "audience": doc.coded(Audience, "operation when left out"),
    "audience_code": doc.text("The region (UN M49 code) or network it is narrowed to"),
    "seizure_id": doc.identifier("A seizure notice's record"),
}, required=("kind", "subject", "body"))
REPLY = doc.shape("Reply", REPLY_FIELDS, required=("body",))
ECOMESSAGE = doc.documented(parameters=[doc.query("information_requested", doc.text(
    max_length=ecomessage.REQUEST_LIMIT, nullable=False), "What you ask the recipients (section 13)")])
ANNUAL_REPORT = doc.documented(parameters=[
    doc.query("country", doc.text(nullable=False), "ISO 3166-1 alpha-3 code such as KEN", required=True),
    doc.query("year", doc.whole(minimum=FIRST_YEAR, nullable=False), "A past or the current year", required=True),
    doc.query("share_with_iccwc", doc.coded(("yes", "no"), nullable=False),
              "Whether ICCWC may use the data (yes when left out)"),
    *(doc.query(name, doc.text(max_length=annual_report.TEXT_LIMIT, nullable=False), description)
      for name, description in (("agency", "The agency preparing the report, for its cover sheet"),
                                ("contact_name", "The contact person for the report"),
                                ("contact_email", "The contact's e-mail address"),
                                ("contact_phone", "The contact's telephone number")))])

_SEIZURE = {"code": "$request.path.code", "seizure_id": "$request.path.seizure_id"}
_MESSAGE = {"code": "$request.path.code", "message_id": "$response.body#/id"}


async def _link_json(db: Db, member: Member, link: SeizureLink) -> dict[str, Any]:
    return links.link_json(await links.link_entry(db, member, link))


def _files(data: dict[str, Any]) -> list[tuple[str, bytes]]:
    """Attachments sent as [{"filename", "content_base64"}]."""
    raw = data.get("attachments") or []
    if not isinstance(raw, list):
        raise InvalidInput.one("attachments", _('must be a list of {"filename", "content_base64"}'))
    files, errors = [], []
    for n, item in enumerate(raw):
        try:
            files.append((str(item.get("filename") or ""), base64.b64decode(str(item.get("content_base64") or ""),
                                                                             validate=True)))
        except (AttributeError, binascii.Error, ValueError):
            errors.append(FieldError(f"attachments[{n}]", _("content_base64 must be the file in base64")))
    if errors:
        raise InvalidInput(errors)
    return files


class CaseApi(Controller):
    path = "/api/v1/operations/{code:str}"
    tags = ["cases"]

    # --- links ---------------------------------------------------------------------------------------------------

    @get("/links", name="api:links", responses=ERRORS, dependencies=RECORDS,
         summary="Links between countries' records that you see (pending, accepted, refused, removed)")
    async def list_links(self, db: Db, member: Membership) -> list[dict[str, Any]]:
        return [links.link_json(e) for e in await links.operation_links(db, member)]

    @post("/links", name="api:links:request", responses=CREATE_ERRORS, dependencies=LINKS, status_code=201,
          summary="Ask to link your record (seizure_id) with another country's (other_country and "
                  "other_seizure_ref, or other_seizure_id of one you see); kind: same_shipment, controlled_delivery "
                  "or network",
          operation_class=doc.documented(LINK_REQUEST, links={201: doc.follow(
              "api:links:decision", "api:links:remove", code="$request.path.code", link_id="$response.body#/id")},
              parameters=[idempotency.PARAMETER]))
    async def request_link(self, request: Request, db: Db, member: Membership,
                           data: JSONBody[dict[str, Any]]) -> Response[dict[str, Any]]:
        seizure_id = record_id(data.get("seizure_id"))
        if seizure_id is None:
            raise InvalidInput.one("seizure_id", _("is required: the id of your record (an integer)"))
        seizure = await db.scalar(select(Seizure).where(Seizure.id == seizure_id, policy.records(member)))
        if seizure is None or not policy.may_request_link(member, seizure):
            raise NotFoundException(_("no seizure %(id)s of yours", id=seizure_id))

        async def create() -> dict[str, Any]:
            return await _link_json(db, member, await links.request_link(db, member, seizure, data))

        return await idempotency.created(request, db, create)

    @post("/links/{link_id:int}/decision", name="api:links:decision", responses=ERRORS, dependencies=LINKS,
          status_code=200, summary='Answer a pending link: {"decision": "accept" | "refuse", "note": "…"}',
          operation_class=doc.documented(LINK_DECISION))
    async def decide_link(self, db: Db, member: Membership, link: ReadableLink,
                          data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
        if data.get("decision") not in DECISIONS:
            raise InvalidInput.one("decision", _("must be accept or refuse"))
        await links.decide_link(db, member, link, data["decision"] == "accept", str(data.get("note") or ""))
        await db.commit()
        return await _link_json(db, member, link)

    @delete("/links/{link_id:int}", name="api:links:remove", responses=ERRORS, dependencies=LINKS, status_code=200,
            summary="Remove a link or withdraw a request (either country or a coordinator)")
    async def remove_link(self, db: Db, member: Membership, link: ReadableLink) -> dict[str, Any]:
        await links.remove_link(db, member, link)
        await db.commit()
        return await _link_json(db, member, link)

    # --- follow-up -----------------------------------------------------------------------------------------------

    @get("/seizures/{seizure_id:int}/case-events", name="api:case_events", responses=ERRORS, dependencies=RECORDS,
         summary="A record's follow-up: investigation, charges, prosecution, conviction, sentence, asset forfeiture")
    async def case_events(self, db: Db, seizure: ReadableSeizure) -> dict[str, Any]:
        return await _case_json(db, seizure)

    @post("/seizures/{seizure_id:int}/case-events", name="api:case_events:add", responses=CREATE_ERRORS,
          dependencies=FOLLOW_UP, status_code=201,
          summary='Record a step of the case: {"stage", "date": "YYYY-MM-DD", "note"}; open after the operation closed',
          operation_class=doc.documented(CASE_EVENT, links={201: doc.follow("api:case_events", **_SEIZURE)},
                                         parameters=[idempotency.PARAMETER]))
    async def add_case_event(self, request: Request, db: Db, member: Membership, seizure: ReadableSeizure,
                             data: JSONBody[dict[str, Any]]) -> Response[dict[str, Any]]:
        async def create() -> dict[str, Any]:
            await followup.record_case_event(db, member, seizure, data)
            return await _case_json(db, seizure)

        return await idempotency.created(request, db, create)

    @put("/seizures/{seizure_id:int}/disposal", name="api:disposal", responses=ERRORS,
         dependencies=FOLLOW_UP, summary='The disposal of the confiscated specimens: {"disposal": "destroyed"}; open '
                                         'after the operation closed', operation_class=doc.documented(DISPOSAL))
    async def set_disposal(self, db: Db, member: Membership, seizure: ReadableSeizure,
                           data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
        await followup.record_disposal(db, member, seizure, data)
        await db.commit()
        return await _case_json(db, seizure)

    @get("/follow-up", name="api:followup", responses=ERRORS,
         summary="The funnel from seizures to convictions: per country and in total, seizures per stage reached")
    async def funnel(self, db: Db, member: Membership) -> list[dict[str, Any]]:
        return await followup.followup_funnel(db, member)

    # One route per format, so the API document gives each its media type.
    @get("/seizures/{seizure_id:int}/ecomessage.pdf", name="api:ecomessage:pdf", responses=ERRORS,
         dependencies=RECORDS, media_type=ecomessage.FORMATS["pdf"],
         summary="The record's INTERPOL Ecomessage as PDF; ?information_requested=… fills section 13",
         operation_class=ECOMESSAGE)
    async def ecomessage_pdf(self, request: Request, db: Db, member: Membership,
                             seizure: ReadableSeizure) -> Response[bytes]:
        return await ecomessage_response(request, db, member, seizure, "pdf")

    @get("/seizures/{seizure_id:int}/ecomessage.docx", name="api:ecomessage:docx", responses=ERRORS,
         dependencies=RECORDS, media_type=ecomessage.FORMATS["docx"],
         summary="The record's INTERPOL Ecomessage as DOCX; ?information_requested=… fills section 13",
         operation_class=ECOMESSAGE)
    async def ecomessage_docx(self, request: Request, db: Db, member: Membership,
                              seizure: ReadableSeizure) -> Response[bytes]:
        return await ecomessage_response(request, db, member, seizure, "docx")

    @get("/seizures/{seizure_id:int}/ecomessage.html", name="api:ecomessage:html", responses=ERRORS,
         dependencies=RECORDS, media_type=ecomessage.FORMATS["html"],
         summary="The record's INTERPOL Ecomessage as HTML; ?information_requested=… fills section 13",
         operation_class=ECOMESSAGE)
    async def ecomessage_html(self, request: Request, db: Db, member: Membership,
                              seizure: ReadableSeizure) -> Response[bytes]:
        return await ecomessage_response(request, db, member, seizure, "html")

    # --- messages ------------------------------------------------------------------------------------------------

    @get("/messages", name="api:messages", responses=ERRORS, dependencies=MESSAGES,
         summary="The operation's messages you may read, newest first (alerts and seizure notices; replies counted)")
    async def list_messages(self, request: Request, db: Db, member: Membership) -> list[dict[str, Any]]:
        base = url_for(request.app, "api:messages", code=member.operation.code)
        return [messages.message_json(s, base)
                for s in await messages.message_list(db, request.app.state.settings, member)]

    @post("/messages", name="api:messages:post", responses=CREATE_ERRORS, dependencies=MESSAGES, status_code=201,
          summary='Post {"kind": "alert" | "seizure_notice", "subject", "body", "audience": "operation" | "region" | '
                  '"network", "audience_code", "seizure_id", "nominal", "attachments": [{"filename", '
                  '"content_base64"}]}',
          operation_class=doc.documented(MESSAGE, links={201: {
              **doc.follow("api:message", "api:message:reply", **_MESSAGE),
              **doc.follow("api:message:attachment", **_MESSAGE, attachment_id="$response.body#/attachments/0/id")}},
              parameters=[idempotency.PARAMETER]))
    async def post_message(self, request: Request, db: Db, member: Membership,
                           data: JSONBody[dict[str, Any]]) -> Response[dict[str, Any]]:
        async def create() -> dict[str, Any]:
            message = await messages.post_message(db, request.app.state.settings, member, data, _files(data))
            return await self._message(request, db, member, message.parent_id or message.id)

        return await idempotency.created(request, db, create)

    async def _message(self, request: Request, db: Db, member: Member, message_id: int) -> dict[str, Any]:
        shown = await messages.thread(db, request.app.state.settings, member, message_id)
        if shown is None:
            raise NotFoundException(_("no message %(id)s that you can read", id=message_id))
        return messages.message_json(shown, url_for(request.app, "api:messages", code=member.operation.code))

    @get("/messages/{message_id:int}", name="api:message", responses=ERRORS, dependencies=MESSAGES,
         summary="A message with its feedback")
    async def message(self, request: Request, db: Db, member: Membership, message_id: FromPath[int]) -> dict[str, Any]:
        return await self._message(request, db, member, message_id)

    @post("/messages/{message_id:int}/replies", name="api:message:reply", responses=CREATE_ERRORS,
          dependencies=MESSAGES, status_code=201, summary='Feedback on a message: {"body", "nominal", "attachments"}',
          operation_class=doc.documented(REPLY, parameters=[idempotency.PARAMETER]))
    async def reply(self, request: Request, db: Db, member: Membership, message_id: FromPath[int],
                    data: JSONBody[dict[str, Any]]) -> Response[dict[str, Any]]:
        settings = request.app.state.settings
        parent = await messages.thread(db, settings, member, message_id)
        if parent is None:
            raise NotFoundException(_("no message %(id)s that you can read", id=message_id))

        async def create() -> dict[str, Any]:
            await messages.post_message(db, settings, member, data, _files(data), parent=parent.message)
            return await self._message(request, db, member, message_id)

        return await idempotency.created(request, db, create)

    @get("/messages/{message_id:int}/attachments/{attachment_id:int}", name="api:message:attachment", responses=ERRORS,
         dependencies=MESSAGES, summary="An attachment, for readers of its message, typed by its content",
         operation_class=doc.documented(media_types=EXTENSIONS))
    async def attachment(self, db: Db, member: Membership, message_id: FromPath[int],
                         attachment_id: FromPath[int]) -> Response[bytes]:
        return await readable_attachment(db, member, message_id, attachment_id)


async def _case_json(db: Db, seizure: Seizure) -> dict[str, Any]:
    return {"case_status": seizure.case_status, "disposal": seizure.disposal,
            "events": [followup.case_event_json(e, who) for e, who in await followup.case_events(db, seizure)]}


class CaseReportApi(Controller):
    path = "/api/v1"
    tags = ["cases"]

    @get("/matches", name="api:matches", responses=ERRORS, guards=[login_required],
         summary="Suspect matches with other countries' records (cleared users): whom to contact, never names")
    async def matches(self, request: Request, db: Db) -> list[dict[str, Any]]:
        if not policy.cleared_member(request.user):
            raise PermissionDeniedException(_("suspect matches are for users cleared for nominal data"))
        return [match_json(v) for v in await matches_for(db, request.user)]

    @get("/reports/annual-illegal-trade", name="api:annual_report", responses=ERRORS,
         guards=[requires("annual_report")],
         summary="The CITES annual illegal trade report of a country and year as XLSX: ?country=KEN&year=2026"
                 "&share_with_iccwc=yes", media_type=XLSX, operation_class=ANNUAL_REPORT)
    async def annual_report(self, request: Request, db: Db) -> Response[bytes]:
        return await annual_report_response(request, db)
