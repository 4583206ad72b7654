"""Operation pages of the case exchange: the links (answer, undo), the coordinators' network of links, and the
follow-up funnel from seizures to convictions."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from opsplatform import policy
from opsplatform.auth.guards import requires
from opsplatform.cases import links
from opsplatform.cases.followup import followup_funnel
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _
from opsplatform.labels import status_label, value_label
from opsplatform.operations.controllers import visible_operation
from opsplatform.operations.models import Operation
from opsplatform.reporting import charts
from opsplatform.seizures.vocabulary import CASE_STAGES
from opsplatform.web.deps import Db
from opsplatform.web.flash import flash


async def links_page(request: Request, db: Db, operation: Operation, *, errors: dict[str, str] | None = None,
                     status_code: int = 200) -> Template:
    await db.refresh(operation)
    entries = await links.operation_links(db, operation, request.user)
    return Template("cases/links.html", status_code=status_code, context={
        "operation": operation, "entries": entries, "errors": errors or {},
        "may_see_network": policy.sees_link_network(request.user)})


class CaseOperationController(Controller):
    include_in_schema = False
    path = "/operations/{code:str}"

    @get("/links", name="cases:links", guards=[requires("view_records")])
    async def index(self, request: Request, db: Db, code: FromPath[str]) -> Template:
        return await links_page(request, db, await visible_operation(db, request.user, code))

    @get("/links/network", name="cases:network", guards=[requires("view_records")])
    async def network(self, request: Request, db: Db, code: FromPath[str]) -> Template:
        """The coordinators' view of how the operation's records hang together, drawn as an inline SVG."""
        operation = await visible_operation(db, request.user, code)
        if not policy.sees_link_network(request.user):
            raise PermissionDeniedException(_("the network of links is for coordinators"))
        drawing = links.network_drawing(await links.operation_links(db, operation, request.user))
        return Template("cases/network.html", context={"operation": operation, "drawing": drawing})

    @post("/links/{link_id:int}/decision", name="cases:link_decision", guards=[requires("link_records")])
    async def decide(self, request: Request, db: Db, code: FromPath[str], link_id: FromPath[int]) -> Any:
        operation = await visible_operation(db, request.user, code)
        link = await links.seen_link(db, operation, request.user, link_id)
        form = await request.form()
        decision = form.get("decision", "")
        try:
            if decision not in ("accept", "refuse"):
                raise InvalidInput.one("decision", _("must be accept or refuse"))
            await links.decide_link(db, operation, link, request.user, decision == "accept", form.get("note", ""))
        except InvalidInput as exc:
            await db.rollback()
            return await links_page(request, db, operation, errors=exc.by_field(), status_code=400)
        await db.commit()
        flash(request, _("Link %(status)s.", status=status_label(link.status)), "success")
        return Redirect(_back(form.get("next", ""), operation))

    @post("/links/{link_id:int}/remove", name="cases:link_remove", guards=[requires("link_records")])
    async def remove(self, request: Request, db: Db, code: FromPath[str], link_id: FromPath[int]) -> Any:
        operation = await visible_operation(db, request.user, code)
        link = await links.seen_link(db, operation, request.user, link_id)
        form = await request.form()
        try:
            await links.remove_link(db, link, request.user)
        except InvalidInput as exc:
            await db.rollback()
            return await links_page(request, db, operation, errors=exc.by_field(), status_code=400)
        await db.commit()
        flash(request, _("Link removed."), "success")
        return Redirect(_back(form.get("next", ""), operation))

    @get("/follow-up", name="cases:followup", guards=[requires("view_operations")])
    async def follow_up(self, request: Request, db: Db, code: FromPath[str]) -> Template:
        """Per country, how many seizures reached each stage of a case, months after the operation."""
        operation = await visible_operation(db, request.user, code)
        funnel = await followup_funnel(db, operation, request.user)
        total = funnel[-1]
        chart = charts.bar_chart([(_("seizures"), total["seizures"]),
                                  *((value_label(stage), total[stage]) for stage in CASE_STAGES)],
                                 title=_("From seizures to convictions (all countries)"))
        return Template("cases/followup.html", context={"operation": operation, "funnel": funnel,
                                                        "stages": CASE_STAGES, "chart": chart})


def _back(target: str, operation: Operation) -> str:
    """Back to the page the form was on, if it is one of this operation's; else to the links."""
    prefix = f"/operations/{operation.code}/"
    return target if target.startswith(prefix) and "//" not in target else f"{prefix}links"
