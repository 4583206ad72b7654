"""Operation pages of the case exchange: the links (answer, undo), the coordinators' network of links, and the
follow-up funnel from seizures to convictions."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.response import Redirect, Template

from opsplatform import policy
from opsplatform.cases import links
from opsplatform.cases.followup import followup_funnel
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _
from opsplatform.labels import status_label, value_label
from opsplatform.models.operations import Operation
from opsplatform.models.vocabulary import CASE_STAGES
from opsplatform.policy import Member
from opsplatform.reporting import charts
from opsplatform.web.access import Membership, ReadableLink, needs
from opsplatform.web.deps import Db
from opsplatform.web.flash import flash
from opsplatform.web.redirects import same_site_path, url_for

RECORDS, LINKS = needs("view_records"), needs("link_records")


async def links_page(db: Db, member: Member, *, errors: dict[str, str] | None = None,
                     status_code: int = 200) -> Template:
    await db.refresh(member.operation)
    return Template("cases/links.html", status_code=status_code, context={
        "operation": member.operation, "entries": await links.operation_links(db, member), "errors": errors or {},
        "may_see_network": policy.sees_link_network(member)})


class CaseOperationController(Controller):
    include_in_schema = False
    path = "/operations/{code:str}"

    @get("/links", name="cases:links", dependencies=RECORDS)
    async def index(self, db: Db, member: Membership) -> Template:
        return await links_page(db, member)

    @get("/links/network", name="cases:network", dependencies=RECORDS)
    async def network(self, db: Db, member: Membership) -> Template:
        """The coordinators' view of how the operation's records hang together, drawn as an inline SVG."""
        if not policy.sees_link_network(member):
            raise PermissionDeniedException(_("the network of links is for coordinators"))
        drawing = links.network_drawing(await links.operation_links(db, member))
        return Template("cases/network.html", context={"operation": member.operation, "drawing": drawing})

    @post("/links/{link_id:int}/decision", name="cases:link_decision", dependencies=LINKS)
    async def decide(self, request: Request, db: Db, member: Membership, link: ReadableLink) -> Any:
        form = await request.form()
        decision = form.get("decision", "")
        try:
            if decision not in ("accept", "refuse"):
                raise InvalidInput.one("decision", _("must be accept or refuse"))
            await links.decide_link(db, member, link, decision == "accept", form.get("note", ""))
        except InvalidInput as exc:
            await db.rollback()
            return await links_page(db, member, errors=exc.by_field(), status_code=400)
        await db.commit()
        flash(request, _("Link %(status)s.", status=status_label(link.status)), "success")
        return Redirect(_back(request, form.get("next", ""), member.operation))

    @post("/links/{link_id:int}/remove", name="cases:link_remove", dependencies=LINKS)
    async def remove(self, request: Request, db: Db, member: Membership, link: ReadableLink) -> Any:
        form = await request.form()
        try:
            await links.remove_link(db, member, link)
        except InvalidInput as exc:
            await db.rollback()
            return await links_page(db, member, errors=exc.by_field(), status_code=400)
        await db.commit()
        flash(request, _("Link removed."), "success")
        return Redirect(_back(request, form.get("next", ""), member.operation))

    @get("/follow-up", name="cases:followup")
    async def follow_up(self, db: Db, member: Membership) -> Template:
        """Per country, how many seizures reached each stage of a case, months after the operation."""
        funnel = await followup_funnel(db, member)
        total = funnel[-1]
        chart = charts.bar_chart([(_("seizures"), total["seizures"]),
                                  *((value_label(stage), total[stage]) for stage in CASE_STAGES)],
                                 title=_("From seizures to convictions (all countries)"))
        return Template("cases/followup.html", context={"operation": member.operation, "funnel": funnel,
                                                        "stages": CASE_STAGES, "chart": chart})


def _back(request: Request, target: str, operation: Operation) -> str:
    """Back to the page the form was on, if it is one of this operation's; else to the links."""
    prefix = url_for(request.app, "operations:detail", code=operation.code) + "/"
    on_operation = target.startswith(prefix) and same_site_path(target, "") == target
    return target if on_operation else url_for(request.app, "cases:links", code=operation.code)
