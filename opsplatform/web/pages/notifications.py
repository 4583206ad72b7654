"""The notifications page: newest first, unread marked; opening one marks it read and follows its link."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from opsplatform.notifications import services
from opsplatform.web.deps import Db
from opsplatform.web.guards import login_required
from opsplatform.web.redirects import redirect_to, same_site_path, url_for


class NotificationController(Controller):
    include_in_schema = False
    path = "/notifications"
    guards = [login_required]

    @get("/", name="notifications")
    async def index(self, request: Request, db: Db) -> Template:
        notes = await services.latest(db, request.user.id)
        return Template("notifications/index.html", context={
            "notifications": [(note, services.shown(note)) for note in notes]})

    @post("/read", name="notifications:read_all")
    async def read_all(self, request: Request, db: Db) -> Redirect:
        await services.mark_read(db, request.user.id)
        return redirect_to(request, "notifications")

    @post("/{note_id:int}/open", name="notifications:open")
    async def open(self, request: Request, db: Db, note_id: FromPath[int]) -> Redirect:
        """Mark the notification read and go where it points (only the user's own; others are not found)."""
        note = await services.own(db, request.user.id, note_id)
        await services.mark_read(db, request.user.id, note_id)
        return Redirect(same_site_path(note.link if note else None, default=url_for(request.app, "notifications")))
