"""Operation message pages: the list with the posting form, a thread with its feedback, attachments."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy import select

from opsplatform import policy
from opsplatform.cases import messages
from opsplatform.cases.attachments import ALLOWED, MAX_BYTES, MAX_FILES
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _
from opsplatform.models.cases import Audience, MessageKind
from opsplatform.models.reference import Network
from opsplatform.policy import Member
from opsplatform.reference import lookup
from opsplatform.web.access import Membership, needs
from opsplatform.web.case_files import readable_attachment
from opsplatform.web.deps import Db
from opsplatform.web.flash import flash
from opsplatform.web.redirects import redirect_to

FIELDS = ("kind", "audience", "audience_code", "subject", "body", "seizure_id", "nominal")
LIMITS = (MAX_FILES, MAX_BYTES // (1024 * 1024), ALLOWED)  # what the posting forms say of attachments


async def form_files(form: Any) -> list[tuple[str, bytes]]:
    """The uploaded files of a form, as (name, bytes); empty file inputs are skipped."""
    return [(f.filename or "", await f.read()) for f in form.getall("attachments", []) if isinstance(f, UploadFile)]


class MessageController(Controller):
    include_in_schema = False
    path = "/operations/{code:str}/messages"
    dependencies = needs("messages")

    async def _list(self, request: Request, db: Db, member: Member, *, values: dict[str, Any] | None = None,
                    errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
        operation = member.operation
        await db.refresh(operation)
        settings = request.app.state.settings
        return Template("cases/messages.html", status_code=status_code, context={
            "operation": operation, "entries": await messages.message_list(db, settings, member),
            "values": values or {"kind": "alert", "audience": "operation"}, "errors": errors or {},
            "kinds": [MessageKind.alert, MessageKind.seizure_notice], "audiences": list(Audience),
            "regions": await lookup.region_choices(db, ("region", "subregion")),
            "networks": (await db.execute(select(Network.code, Network.name).order_by(Network.code))).all(),
            "cleared": request.user.cleared_for_nominal, "limits": LIMITS})

    @get("/", name="messages")
    async def index(self, request: Request, db: Db, member: Membership) -> Template:
        return await self._list(request, db, member)

    @post("/", name="messages:post")
    async def create(self, request: Request, db: Db, member: Membership) -> Any:
        form = await request.form()
        values = {k: form.get(k, "") for k in FIELDS}
        try:
            message = await messages.post_message(db, request.app.state.settings, member, values,
                                                  await form_files(form))
        except InvalidInput as exc:
            await db.rollback()
            return await self._list(request, db, member, values=values, errors=exc.by_field(), status_code=400)
        await db.commit()
        flash(request, _("Message posted."), "success")
        return redirect_to(request, "messages:thread", code=member.operation.code, message_id=message.id)

    async def _thread(self, request: Request, db: Db, member: Member, message_id: int, *,
                      values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                      status_code: int = 200) -> Template:
        operation = member.operation
        await db.refresh(operation)
        shown = await messages.thread(db, request.app.state.settings, member, message_id)
        if shown is None:
            raise NotFoundException(_("no message %(id)s that you can read", id=message_id))
        template = "cases/_thread.html" if request.headers.get("hx-request") else "cases/thread.html"
        return Template(template, status_code=status_code, context={
            "operation": operation, "shown": shown, "values": values or {}, "errors": errors or {},
            "cleared": request.user.cleared_for_nominal, "sees_nominal": policy.cleared_member(request.user),
            "limits": LIMITS})

    @get("/{message_id:int}", name="messages:thread")
    async def show(self, request: Request, db: Db, member: Membership, message_id: FromPath[int]) -> Template:
        return await self._thread(request, db, member, message_id)

    @post("/{message_id:int}/replies", name="messages:reply")
    async def reply(self, request: Request, db: Db, member: Membership, message_id: FromPath[int]) -> Any:
        """Feedback on a message; with htmx the thread is swapped in place."""
        settings = request.app.state.settings
        parent = await messages.thread(db, settings, member, message_id)
        if parent is None:
            raise NotFoundException(_("no message %(id)s that you can read", id=message_id))
        form = await request.form()
        values = {k: form.get(k, "") for k in ("body", "nominal")}
        try:
            await messages.post_message(db, settings, member, values, await form_files(form), parent=parent.message)
        except InvalidInput as exc:
            await db.rollback()
            return await self._thread(request, db, member, message_id, values=values, errors=exc.by_field(),
                                      status_code=400)
        await db.commit()
        if request.headers.get("hx-request"):
            return await self._thread(request, db, member, message_id)
        return redirect_to(request, "messages:thread", code=member.operation.code, message_id=message_id)

    @get("/{message_id:int}/attachments/{attachment_id:int}", name="messages:attachment")
    async def attachment(self, db: Db, member: Membership, message_id: FromPath[int],
                         attachment_id: FromPath[int]) -> Response[bytes]:
        return await readable_attachment(db, member, message_id, attachment_id)
