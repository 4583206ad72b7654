"""The operation's documents page: generate a briefing in a language and format, list what was generated, download."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import select

from opsplatform import policy
from opsplatform.auth.guards import requires
from opsplatform.briefings import services
from opsplatform.database import utcnow
from opsplatform.documents import services as documents
from opsplatform.documents.models import Artifact
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _
from opsplatform.operations.controllers import require, visible_operation
from opsplatform.operations.models import Operation
from opsplatform.web.deps import Db
from opsplatform.web.flash import flash


class DocumentController(Controller):
    include_in_schema = False
    guards = [requires("view_operations")]

    async def _page(self, request: Request, db: Db, operation: Operation, *, form: dict[str, Any] | None = None,
                    errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
        await db.refresh(operation)  # a refused request was rolled back, which expired it
        artifacts = await documents.documents_of(db, operation, policy.readable_documents(request.user))
        return Template("documents/list.html", status_code=status_code, context={
            "operation": operation, "artifacts": artifacts, "kind_title": services.kind_title,
            "may_generate": policy.can(request.user, "generate_briefings"),
            "kind_choices": [(kind, services.kind_title(kind)) for kind in services.KINDS],
            "form": form or {"kind": "post" if operation.phase in ("reporting", "closed") else "sitrep"
                             if operation.phase == "active" else "pre", "format": "pdf",
                             "lang": request.user.language, "edition": "restricted"},
            "errors": errors or {}})

    @get("/operations/{code:str}/documents", name="documents")
    async def index(self, request: Request, db: Db, code: FromPath[str]) -> Template:
        return await self._page(request, db, await visible_operation(db, request.user, code))

    @post("/operations/{code:str}/documents", name="documents:generate")
    async def generate(self, request: Request, db: Db, code: FromPath[str],
                       data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        """Generate a briefing (coordinators); a refused request shows the page again with what was chosen."""
        operation = await visible_operation(db, request.user, code)
        require(policy.can(request.user, "generate_briefings"))
        try:
            artifact = await services.generate(
                db, request.app.state.settings, operation, request.user, kind=data.get("kind", ""),
                fmt=data.get("format", ""), lang=data.get("lang", ""), edition=data.get("edition") or None,
                now=utcnow())
        except InvalidInput as exc:
            await db.rollback()
            return await self._page(request, db, operation, form=data, errors=exc.by_field(), status_code=400)
        await db.commit()
        flash(request, _("%(document)s generated: %(file)s", document=services.kind_title(artifact.kind, artifact.edition),
                         file=artifact.filename), "success")
        return Redirect(f"/operations/{operation.code}/documents")

    @get("/documents/{artifact_id:int}", name="documents:download")
    async def download(self, request: Request, db: Db, artifact_id: FromPath[int]) -> Response[bytes]:
        """A generated document exactly as it was made; only for those who may read its kind (404 otherwise)."""
        artifact = await db.scalar(select(Artifact).where(
            Artifact.id == artifact_id, policy.readable_documents(request.user),
            Artifact.operation_id.in_(policy.visible_operations(request.user).with_only_columns(Operation.id))))
        if artifact is None:
            raise NotFoundException()
        disposition = "inline" if artifact.format == "html" else "attachment"
        return Response(artifact.content, media_type=documents.FORMATS[artifact.format], headers={
            "content-disposition": f'{disposition}; filename="{artifact.filename}"',
            "x-content-hash": f"sha256:{artifact.data_hash}"})
