"""The operation's team page: who belongs to its closed group besides the focal points; its leads add, change and
remove members."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import select

from opsplatform import policy
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _
from opsplatform.labels import role_label
from opsplatform.models.auth import User
from opsplatform.operations import team
from opsplatform.web.access import Membership, needs
from opsplatform.web.deps import Db
from opsplatform.web.flash import flash
from opsplatform.web.redirects import redirect_to

MANAGE = needs("manage_team")


class TeamController(Controller):
    include_in_schema = False
    path = "/operations/{code:str}/team"

    async def _page(self, db: Db, member: Membership, *, form: dict[str, Any] | None = None,
                    errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
        await db.refresh(member.operation)  # a refused change was rolled back, which expired it
        return Template("operations/team.html", status_code=status_code, context={
            "operation": member.operation, "members": await team.members(db, member.operation),
            "may_manage": policy.may(member, "manage_team"), "form": form or {"role": ""}, "errors": errors or {},
            "roles": [(role, role_label(role)) for role in policy.TEAM_ROLES]})

    @get("/", name="team")
    async def index(self, db: Db, member: Membership) -> Template:
        return await self._page(db, member)

    @post("/", name="team:add", dependencies=MANAGE)
    async def add(self, request: Request, db: Db, member: Membership,
                  data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        """Add a member by e-mail address, or change the role and lead of one already on the team."""
        try:
            entry = await team.entry_for(db, data.get("email", ""), data.get("role") or None, data.get("lead") == "on")
            await team.add(db, member.operation, entry, member.user)
        except InvalidInput as exc:
            await db.rollback()
            return await self._page(db, member, form=data, errors=exc.by_field(), status_code=400)
        await db.commit()
        flash(request, _("%(email)s is on the team as %(role)s.", email=entry.user.email, role=role_label(entry.role)),
              "success")
        return redirect_to(request, "team", code=member.operation.code)

    @post("/{user_id:int}/remove", name="team:remove", dependencies=MANAGE)
    async def remove(self, request: Request, db: Db, member: Membership, user_id: FromPath[int]) -> Template | Redirect:
        account = await db.scalar(select(User).where(User.id == user_id))
        if account is None:
            raise NotFoundException()
        try:
            await team.remove(db, member.operation, account)
        except InvalidInput as exc:
            await db.rollback()
            return await self._page(db, member, errors=exc.by_field(), status_code=400)
        await db.commit()
        flash(request, _("%(email)s is no longer on the team.", email=account.email), "success")
        return redirect_to(request, "team", code=member.operation.code)
