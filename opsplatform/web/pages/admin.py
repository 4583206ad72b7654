"""Administration: accounts, audit log, mail outbox, reference data."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, MultipartBody, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import func, select

from opsplatform import dates, policy
from opsplatform.audit.recorder import record
from opsplatform.auth import second_factor, services
from opsplatform.auth.secrets import hash_password, password_problem
from opsplatform.database import holds_text, utcnow
from opsplatform.errors import FieldError, InvalidInput
from opsplatform.figures import rollup
from opsplatform.i18n import _
from opsplatform.labels import role_label
from opsplatform.mail.outbox import retry_failed
from opsplatform.models.audit import AuditEvent
from opsplatform.models.auth import Role, User
from opsplatform.models.mail import OutboxMessage
from opsplatform.models.reference import Network
from opsplatform.reference import checklist, loader, lookup
from opsplatform.web.deps import Db, PageNumber
from opsplatform.web.flash import flash
from opsplatform.web.guards import requires
from opsplatform.web.redirects import redirect_to

PAGE_SIZE = 100


def _checkbox(data: dict[str, str], name: str) -> bool:
    return data.get(name) in ("on", "true", "1")


class AdminController(Controller):
    include_in_schema = False
    path = "/admin"
    guards = [requires("administer")]

    async def _user_form(self, db: Db, form: dict[str, object], errors: dict[str, str],
                         user: User | None = None, status_code: int = 200) -> Template:
        countries = await lookup.country_choices(db)
        networks = (await db.execute(select(Network.code, Network.name).order_by(Network.code))).all()
        return Template("admin/user_form.html", status_code=status_code, context={
            "form": form, "errors": errors, "user": user, "countries": countries,
            "roles_options": [(r.value, role_label(r.value)) for r in Role],
            "networks": networks})

    @get("/", name="admin")
    async def index(self, request: Request) -> Redirect:
        return redirect_to(request, "admin:users")

    @get("/users", name="admin:users")
    async def users(self, db: Db, q: FromQuery[str] = "", role: FromQuery[str] = "") -> Template:
        query = select(User).order_by(User.role, User.email)
        if q:
            query = query.where(holds_text(User.email, q) | holds_text(User.name, q))
        if role:
            query = query.where(User.role == role)
        users = (await db.scalars(query)).all()
        return Template("admin/users.html", context={"users": users, "q": q, "role": role, "roles": list(Role)})

    @get("/users/new", name="admin:users:new")
    async def new_user(self, db: Db) -> Template:
        return await self._user_form(db, {"role": "focal_point", "language": "en"}, {})

    @post("/users/new", name="admin:users:create")
    async def create_user(self, request: Request, db: Db, data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        try:
            user = await services.create_user(
                db, email=data.get("email", ""), name=data.get("name", ""), role=data.get("role", ""),
                country=data.get("country") or None, network=data.get("network") or None,
                cleared_for_nominal=_checkbox(data, "cleared_for_nominal"), language=data.get("language", "en"),
                organisation=data.get("organisation") or None, password=data.get("password") or None)
        except InvalidInput as exc:
            await db.rollback()
            return await self._user_form(db, data, exc.by_field(), status_code=400)
        await db.commit()
        flash(request, _("Account %(email)s created.", email=user.email), "success")
        return redirect_to(request, "admin:users")

    @get("/users/{user_id:int}", name="admin:users:edit")
    async def edit_user(self, db: Db, user_id: FromPath[int]) -> Template:
        user = await db.get(User, user_id)
        if user is None:
            raise NotFoundException()
        return await self._user_form(db, {**user.model_dump(), "country": user.country_code,
                                          "network": user.network_code}, {}, user)

    @post("/users/{user_id:int}", name="admin:users:update")
    async def update_user(self, request: Request, db: Db, user_id: FromPath[int],
                          data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        user = await db.get(User, user_id)
        if user is None:
            raise NotFoundException()
        email = services.normalise_email(data.get("email", ""))
        country, network = (data.get("country") or "").upper() or None, data.get("network") or None
        errors = await services.validate_account(db, email=email, name=data.get("name", ""), role=data.get("role", ""),
                                                 country=country, network=network,
                                                 language=data.get("language", "en"), user_id=user.id)
        password = data.get("password") or ""
        if password and (problem := password_problem(password)):
            errors.append(FieldError("password", problem))
        if user.id == request.user.id and (data.get("role") != Role.admin or not _checkbox(data, "is_active")):
            errors.append(FieldError("role", _("you cannot remove your own administrator access")))
        if errors:
            return await self._user_form(db, data, InvalidInput(errors).by_field(), user, status_code=400)
        role_changed = (user.role, user.country_code, user.network_code, user.cleared_for_nominal) != (
            data["role"], country, network, _checkbox(data, "cleared_for_nominal"))
        user.email, user.name, user.role = email, data["name"].strip(), data["role"]
        user.country_code, user.network_code = country, network
        user.cleared_for_nominal, user.is_active = _checkbox(data, "cleared_for_nominal"), _checkbox(data, "is_active")
        user.language, user.organisation = data.get("language", "en"), data.get("organisation") or None
        if password:
            user.password_hash = hash_password(password)
        if password or role_changed or not user.is_active:
            # New rights (or none) start now: no session opened before keeps the old ones.
            await services.end_sessions(db, user, tokens=not user.is_active)
        await db.commit()
        flash(request, _("Account %(email)s saved.", email=user.email), "success")
        return redirect_to(request, "admin:users")

    @post("/users/{user_id:int}/second-factor/reset", name="admin:users:second_factor:reset")
    async def reset_second_factor(self, request: Request, db: Db, user_id: FromPath[int]) -> Redirect:
        """For a lost phone: the account logs in with its password alone until it sets up a new code."""
        user = await db.get(User, user_id)
        if user is None:
            raise NotFoundException()
        second_factor.remove(user)
        record(db, "reset_second_factor", "users", str(user.id))
        await db.commit()
        flash(request, _("Second factor of %(email)s reset.", email=user.email), "success")
        return redirect_to(request, "admin:users:edit", user_id=user.id)

    @get("/audit", name="admin:audit")
    async def audit(self, request: Request, db: Db, entity: FromQuery[str] = "", actor: FromQuery[str] = "",
                    action: FromQuery[str] = "", since: FromQuery[str] = "", until: FromQuery[str] = "",
                    page: PageNumber = 1) -> Template:
        """The audit log, newest first, filtered by record type, actor, action and date range."""
        query = select(AuditEvent)
        if entity:
            query = query.where(AuditEvent.entity == entity)
        if actor:
            query = query.where(holds_text(AuditEvent.actor, actor))
        if action:
            query = query.where(AuditEvent.action == action)
        errors = {}
        for name, value, edge in (("since", since, time.min), ("until", until, time.max)):
            if value:
                if (day := dates.day(value)) is None:
                    errors[name] = dates.day_problem(value)
                    continue
                moment = datetime.combine(day, edge).replace(tzinfo=utcnow().tzinfo)
                query = query.where(AuditEvent.at >= moment if name == "since" else AuditEvent.at <= moment)
        page = max(page, 1)
        events = (await db.scalars(query.order_by(AuditEvent.id.desc()).offset((page - 1) * PAGE_SIZE)
                                   .limit(PAGE_SIZE + 1))).all()
        entities = (await db.scalars(select(AuditEvent.entity).distinct().order_by(AuditEvent.entity))).all()
        actions = (await db.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))).all()
        return Template("admin/audit.html", context={
            "events": [(e, policy.sees_audit_values(request.user, e.entity)) for e in events[:PAGE_SIZE]],
            "has_next": len(events) > PAGE_SIZE, "page": page, "errors": errors,
            "filters": {"entity": entity, "actor": actor, "action": action, "since": since, "until": until},
            "entities": entities, "actions": actions})

    @get("/outbox", name="admin:outbox")
    async def outbox(self, db: Db, status: FromQuery[str] = "") -> Template:
        query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(PAGE_SIZE)
        if status:
            query = query.where(OutboxMessage.status == status)
        messages = (await db.scalars(query)).all()
        tallies = dict((await db.execute(select(OutboxMessage.status, func.count())
                                         .group_by(OutboxMessage.status))).all())
        return Template("admin/outbox.html", context={"messages": messages, "status": status, "tallies": tallies})

    @post("/outbox/{message_id:int}/retry", name="admin:outbox:retry")
    async def retry(self, request: Request, db: Db, message_id: FromPath[int]) -> Redirect:
        if not await retry_failed(db, message_id, utcnow()):
            raise NotFoundException()
        flash(request, _("The message is queued again."), "success")
        return redirect_to(request, "admin:outbox")

    @get("/reference", name="admin:reference")
    async def reference(self, db: Db) -> Template:
        return Template("admin/reference.html", context={"counts": await loader.counts(db), "report": None})

    @post("/reference/reload", name="admin:reference:reload")
    async def reload(self, request: Request, db: Db) -> Redirect:
        async with rollup.following_taxa(db):
            await loader.load_all(db)
        await db.commit()
        flash(request, _("Reference data reloaded from the seed files."), "success")
        return redirect_to(request, "admin:reference")

    @post("/reference/checklist", name="admin:reference:checklist")
    async def import_checklist(self, request: Request, db: Db,
                               data: MultipartBody[dict[str, Any]]) -> Template:
        """Load a Species+ or CITES Checklist CSV export so every listed taxon can be reported, under its genus and
        family; a file nothing could be read from is refused (400) and changes nothing."""
        upload = data.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            report = checklist.ChecklistReport(problems=[_("choose a CSV file exported from Species+")])
        else:
            async with rollup.following_taxa(db):
                report = await checklist.import_checklist(db, await upload.read())
            if report.imported:
                record(db, "import", "taxa", None, after={"file": upload.filename, "rows": report.imported,
                                                         "added": report.added})
                await db.commit()
            else:
                await db.rollback()
        return Template("admin/reference.html", status_code=400 if report.problems and not report.imported else 200,
                        context={"counts": await loader.counts(db), "report": report})
