"""The operation's documents page: generate a briefing in a language and format, list what was generated, download.

Generating leaves the request (briefings/tasks.py), as writing a large workbook does (reporting/workbooks.py): the
page shows the member's generations and workbooks on their way, polling their progress (htmx; a refresh without
script), and each document in the list once kept."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template

from opsplatform import policy
from opsplatform.briefings import services, tasks as generation
from opsplatform.database import utcnow
from opsplatform.documents import services as documents
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _
from opsplatform.jobs.tasks import reap
from opsplatform.rendering.filenames import download_headers
from opsplatform.reporting import workbooks
from opsplatform.web.access import Membership, ReadableDocument, needs
from opsplatform.web.deps import Db
from opsplatform.web.flash import flash
from opsplatform.web.redirects import redirect_to


class DocumentController(Controller):
    include_in_schema = False

    async def _page(self, db: Db, member: Membership, *, form: dict[str, Any] | None = None,
                    errors: dict[str, str] | None = None, status_code: int = 200,
                    template: str = "documents/list.html") -> Template:
        operation = member.operation
        await db.refresh(operation)  # a refused request was rolled back, which expired it
        artifacts = await documents.documents_of(db, operation, policy.readable_documents(member))
        return Template(template, status_code=status_code, context={
            "operation": operation, "artifacts": artifacts, "kind_title": services.kind_title,
            "generations": await generation.generations(db, member, utcnow()),
            "writings": await workbooks.writings(db, member, utcnow()),
            "may_generate": policy.may(member, "generate_briefings"),
            "kind_choices": [(kind, services.kind_title(kind)) for kind in services.KINDS],
            "form": form or {"kind": "post" if operation.phase in ("reporting", "closed") else "sitrep"
                             if operation.phase == "active" else "pre", "format": "pdf",
                             "lang": member.user.language, "edition": "restricted"},
            "errors": errors or {}})

    @get("/operations/{code:str}/documents", name="documents")
    async def index(self, request: Request, db: Db, member: Membership) -> Template:
        """The page; polled by htmx while a generation is on its way, its generations and list of documents."""
        return await self._page(db, member, template="documents/_generated.html"
                                if request.headers.get("hx-request") else "documents/list.html")

    @post("/operations/{code:str}/documents", name="documents:generate", dependencies=needs("generate_briefings"))
    async def generate(self, request: Request, db: Db, member: Membership,
                       data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        """Queue the generation of a briefing (coordinators), as this member sees the operation; a refused request
        shows the page again with what was chosen."""
        await reap(db, utcnow(), generation.KINDS)  # one whose worker is gone is failed now: asked again, it runs
        try:
            asked = await generation.ask(db, member, kind=data.get("kind", ""), fmt=data.get("format", ""),
                                       lang=data.get("lang", ""), edition=data.get("edition") or None)
        except InvalidInput as exc:
            await db.rollback()
            return await self._page(db, member, form=data, errors=exc.by_field(), status_code=400)
        await db.commit()
        flash(request, _("%(document)s is being generated: it is listed below once ready.",
                         document=services.kind_title(asked.kind, asked.edition)), "success")
        return redirect_to(request, "documents", code=member.operation.code)

    @get("/documents/{artifact_id:int}", name="documents:download")
    async def download(self, document: ReadableDocument) -> Response[bytes]:
        """A generated document exactly as it was made; only for members whose role and scope cover it (404
        otherwise)."""
        return Response(document.content, media_type=documents.FORMATS[document.format], headers={
            **download_headers(document.filename, inline=document.format == "html"),
            "x-content-hash": f"sha256:{document.data_hash}"})
