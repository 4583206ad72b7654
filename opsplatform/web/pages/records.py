"""Record pages of the case exchange: ask for a link, record a follow-up step or the disposal of the specimens,
generate the Ecomessage."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Template

from opsplatform.cases import ecomessage, followup, links
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _
from opsplatform.labels import value_label
from opsplatform.models.seizures import Seizure
from opsplatform.web.access import Membership, ReadableSeizure, needs
from opsplatform.web.case_files import ecomessage_response
from opsplatform.web.deps import Db
from opsplatform.web.flash import flash
from opsplatform.web.pages.seizures import record_page
from opsplatform.web.redirects import redirect_to


class CaseRecordController(Controller):
    include_in_schema = False
    path = "/operations/{code:str}/seizures/{seizure_id:int}"

    @post("/links", name="cases:link_request", dependencies=needs("link_records"))
    async def request_link(self, request: Request, db: Db, member: Membership, seizure: ReadableSeizure) -> Any:
        return await _case_form(request, db, member, seizure, "link",
                                lambda values: links.request_link(db, member, seizure, values),
                                lambda: _("Link requested: the other country is asked to accept it."))

    @post("/case-events", name="cases:case_event", dependencies=needs("follow_up"))
    async def case_event(self, request: Request, db: Db, member: Membership, seizure: ReadableSeizure) -> Any:
        return await _case_form(request, db, member, seizure, "case_event",
                                lambda values: followup.record_case_event(db, member, seizure, values),
                                lambda: _("Follow-up recorded: the case is now at %(stage)s.",
                                          stage=value_label(seizure.case_status)))

    @post("/disposal", name="cases:disposal", dependencies=needs("follow_up"))
    async def disposal(self, request: Request, db: Db, member: Membership, seizure: ReadableSeizure) -> Any:
        return await _case_form(request, db, member, seizure, "disposal",
                                lambda values: followup.record_disposal(db, member, seizure, values),
                                lambda: _("Disposal recorded: %(disposal)s.", disposal=value_label(
                                    seizure.disposal) if seizure.disposal else _("not yet decided")))

    @get("/ecomessage", name="cases:ecomessage", dependencies=needs("view_records"))
    async def ecomessage_page(self, request: Request, db: Db, member: Membership,
                              seizure: ReadableSeizure) -> Template:
        """What the Ecomessage will hold, and the one field typed now: the information requested."""
        context = await ecomessage.ecomessage_context(db, request.app.state.settings, member, seizure, "")
        return Template("cases/ecomessage_page.html", context={**context, "limit": ecomessage.REQUEST_LIMIT})

    @get([f"/ecomessage.{fmt}" for fmt in ecomessage.FORMATS], name="cases:ecomessage_file",
         dependencies=needs("view_records"))
    async def ecomessage_file(self, request: Request, db: Db, member: Membership,
                              seizure: ReadableSeizure) -> Response[bytes]:
        fmt = request.url.path.rsplit(".", 1)[-1]
        return await ecomessage_response(request, db, member, seizure, fmt, inline_html=True)


async def _case_form(request: Request, db: Db, member: Membership, seizure: Seizure, section: str,
                     write: Callable[[dict[str, Any]], Awaitable[Any]], done: Callable[[], str]) -> Any:
    """A form of the record's case part: written and back to the record, or the record page with the form's
    values and problems (`done` says what was done, once it is)."""
    values = dict(await request.form())
    try:
        await write(values)
    except InvalidInput as exc:
        await db.rollback()
        return await record_page(request, db, member, seizure, status_code=400,
                                 case_form={"section": section, "values": values, "errors": exc.by_field()})
    await db.commit()
    flash(request, done(), "success")
    return redirect_to(request, "seizures:detail", code=member.operation.code, seizure_id=seizure.id, anchor="case")
