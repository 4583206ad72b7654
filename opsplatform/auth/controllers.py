"""Login, logout, password (re)setting and the account page with API tokens."""

from __future__ import annotations

from datetime import timedelta

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.web.deps import Db
from opsplatform.audit.recorder import record
from opsplatform.auth import services
from opsplatform.auth.guards import login_required
from opsplatform.auth.middleware import SESSION_COOKIE
from opsplatform.auth.models import ApiToken, User
from opsplatform.database import utcnow
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _, language
from opsplatform.mail.outbox import queue_mail
from opsplatform.operations.focal_points import mark_accepted
from opsplatform.web.flash import flash
from opsplatform.web.templating import render


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so a crafted link cannot bounce a user elsewhere after login."""
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


def _client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


class LoginController(Controller):
    include_in_schema = False

    @get("/login", name="login")
    async def form(self, next: FromQuery[str | None] = None) -> Template:
        return Template("auth/login.html", context={"next": _safe_next(next), "email": "", "error": None})

    @post("/login", name="login:submit")
    async def submit(self, request: Request, db: Db, data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        settings = request.app.state.settings
        email, target = data.get("email", ""), _safe_next(data.get("next"))
        now = utcnow()
        try:
            user = await services.authenticate(db, settings, email, data.get("password", ""),
                                               ip=_client_ip(request), now=now)
        except services.LoginThrottled:
            user, error = None, _("Too many failed attempts for this address. Wait %(minutes)s minutes or reset "
                                  "your password.", minutes=settings.login_throttle_minutes)
        else:
            error = None if user else _("Wrong e-mail address or password.")
        if user is None:
            await db.commit()
            return Template("auth/login.html", status_code=400 if error else 200,
                            context={"next": target, "email": email, "error": error})
        db.sync_session.info["actor"] = (user.id, user.email)
        raw = await services.start_session(db, settings, user, ip=_client_ip(request), now=now)
        record(db, "login", "users", str(user.id))
        await db.commit()
        response = Redirect(target)
        response.set_cookie(SESSION_COOKIE, raw, httponly=True, samesite="lax", secure=settings.production,
                            max_age=settings.session_hours * 3600, path="/")
        return response

    @post("/logout", name="logout")
    async def logout(self, request: Request, db: Db) -> Redirect:
        if raw := request.cookies.get(SESSION_COOKIE):
            await services.end_session(db, raw)
            if request.user is not None:
                record(db, "logout", "users", str(request.user.id))
            await db.commit()
        response = Redirect("/login")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


class PasswordController(Controller):
    include_in_schema = False
    path = "/password"

    @get("/forgot", name="password:forgot")
    async def forgot_form(self) -> Template:
        return Template("auth/password_forgot.html", context={"email": "", "sent": False})

    @post("/forgot", name="password:forgot:submit")
    async def forgot(self, request: Request, db: Db, data: URLEncodedBody[dict[str, str]]) -> Template:
        """Always the same answer, so the form does not reveal which addresses have accounts."""
        settings = request.app.state.settings
        email = services.normalise_email(data.get("email", ""))
        user = await db.scalar(select(User).where(User.email == email, User.is_active))
        if user is not None:
            now = utcnow()
            raw = await services.create_one_time_link(db, user, "reset",
                                                      timedelta(minutes=settings.reset_link_minutes), now)
            link = f"{settings.public_base_url.rstrip('/')}/password/set/{raw}"
            with language(user.language):
                queue_mail(db, user.email, _("Reset your opsplatform password"),
                           render("mail/password_reset.txt", user=user, link=link,
                                  minutes=settings.reset_link_minutes), now=now)
            await db.commit()
        return Template("auth/password_forgot.html", context={"email": email, "sent": True})

    @get("/set/{token:str}", name="password:set")
    async def set_form(self, db: Db, token: FromPath[str]) -> Template:
        link = await services.valid_link(db, token, utcnow())
        return Template("auth/password_set.html", status_code=200 if link else 404,
                        context={"token": token, "valid": link is not None, "errors": {},
                                 "invitation": link is not None and link.purpose == "invite"})

    @post("/set/{token:str}", name="password:set:submit")
    async def set_password(self, request: Request, db: Db, token: FromPath[str],
                           data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        password = data.get("password", "")
        try:
            if password != data.get("password_confirm", ""):
                raise InvalidInput.one("password_confirm", _("does not match the password"))
            user, purpose = await services.set_password_with_link(db, token, password, utcnow())
        except InvalidInput as exc:
            await db.rollback()
            valid = await services.valid_link(db, token, utcnow()) is not None
            return Template("auth/password_set.html", status_code=400,
                            context={"token": token, "valid": valid, "errors": exc.by_field(), "invitation": False})
        db.sync_session.info["actor"] = (user.id, user.email)
        if purpose == "invite":
            await mark_accepted(db, user, utcnow())
        record(db, "set_password", "users", str(user.id))
        await db.commit()
        flash(request, _("Your password is set. You can log in now."), "success")
        return Redirect("/login")


class AccountController(Controller):
    include_in_schema = False
    path = "/account"
    guards = [login_required]

    async def _page(self, request: Request, db: Db, new_token: str | None = None,
                    errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
        tokens = (await db.scalars(select(ApiToken).where(ApiToken.user_id == request.user.id)
                                   .order_by(ApiToken.created_at.desc()))).all()
        return Template("auth/account.html", status_code=status_code,
                        context={"tokens": tokens, "new_token": new_token, "errors": errors or {}})

    @get("/", name="account")
    async def show(self, request: Request, db: Db) -> Template:
        return await self._page(request, db)

    @post("/tokens", name="account:tokens:create")
    async def create_token(self, request: Request, db: Db, data: URLEncodedBody[dict[str, str]]) -> Template:
        """The new token is shown once on the page that answers this form, and never again."""
        try:
            _token, raw = await services.create_api_token(db, request.user, data.get("name", ""))
        except InvalidInput as exc:
            return await self._page(request, db, errors=exc.by_field(), status_code=400)
        await db.commit()
        return await self._page(request, db, new_token=raw)

    @post("/reminders", name="account:reminders")
    async def reminders(self, request: Request, db: Db, data: URLEncodedBody[dict[str, str]]) -> Redirect:
        """Opt in or out of the daily e-mail about a day my country has not reported."""
        user = await db.merge(request.user)
        user.reminders_opt_out = data.get("reminders") != "on"
        await db.commit()
        flash(request, _("Daily reminders are off.") if user.reminders_opt_out else _("Daily reminders are on."),
              "success")
        return Redirect("/account")

    @post("/tokens/{token_id:int}/revoke", name="account:tokens:revoke")
    async def revoke_token(self, request: Request, db: Db, token_id: FromPath[int]) -> Redirect:
        if not await services.revoke_api_token(db, request.user, token_id, utcnow()):
            raise NotFoundException()
        await db.commit()
        flash(request, _("Token revoked."), "success")
        return Redirect("/account")
