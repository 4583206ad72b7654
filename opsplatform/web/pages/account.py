"""Login, logout, password (re)setting and the account page with API tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import select

from opsplatform import policy
from opsplatform.audit.recorder import record
from opsplatform.auth import second_factor, services
from opsplatform.database import utcnow
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _, language, set_language
from opsplatform.mail.outbox import queue_mail
from opsplatform.models.auth import ApiToken, OneTimeLink, User
from opsplatform.operations.focal_points import mark_accepted
from opsplatform.rendering.templates import render
from opsplatform.web.authentication import SESSION_COOKIE, remember_language
from opsplatform.web.deps import Db
from opsplatform.web.flash import flash
from opsplatform.web.guards import login_required
from opsplatform.web.redirects import redirect_to, same_site_path


def _client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


class LoginController(Controller):
    include_in_schema = False

    @get("/login", name="login")
    async def form(self, next: FromQuery[str | None] = None) -> Template:
        return Template("auth/login.html", context={"next": same_site_path(next), "email": "", "error": None})

    @post("/login", name="login:submit")
    async def submit(self, request: Request, db: Db, data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        settings = request.app.state.settings
        email, target = data.get("email", ""), same_site_path(data.get("next"))
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
        if second_factor.is_enabled(user):
            await db.commit()
            response = Template("auth/login_code.html", context={"next": target, "error": None})
            response.set_cookie(second_factor.PENDING_COOKIE, second_factor.pending_token(settings, user),
                                httponly=True, samesite="lax", secure=settings.production,
                                max_age=second_factor.PENDING_MINUTES * 60, path="/login")
            return response
        return await self._logged_in(request, db, user, target, now)

    @post("/login/code", name="login:code")
    async def code(self, request: Request, db: Db, data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        """The second step for accounts with a second factor: the current code from the authenticator app."""
        settings, now, target = request.app.state.settings, utcnow(), same_site_path(data.get("next"))
        user_id = second_factor.pending_user_id(settings, request.cookies.get(second_factor.PENDING_COOKIE))
        user = await db.get(User, user_id) if user_id is not None else None
        if user is None or not user.is_active or not second_factor.is_enabled(user):
            flash(request, _("The login took too long. Enter your e-mail address and password again."), "error")
            return redirect_to(request, "login", query={"next": target})
        try:
            try:
                await services.claim_attempt(db, settings, user.email, _client_ip(request), now)
            except services.LoginThrottled:
                raise InvalidInput.one("code", _("Too many failed attempts for this address. Wait %(minutes)s "
                                                 "minutes.", minutes=settings.login_throttle_minutes)) from None
            second_factor.check_code(settings, user, data.get("code", ""), now)
        except InvalidInput as exc:
            await db.commit()
            return Template("auth/login_code.html", status_code=400,
                            context={"next": target, "error": exc.by_field()["code"]})
        await services.login_completed(db, user, _client_ip(request), now)
        response = await self._logged_in(request, db, user, target, now)
        response.delete_cookie(second_factor.PENDING_COOKIE, path="/login")
        return response

    async def _logged_in(self, request: Request, db: Db, user: User, target: str, now: datetime) -> Redirect:
        """Start the session; the cookie lives as long as the session may (the server ends it earlier when idle)."""
        settings = request.app.state.settings
        db.sync_session.info["actor"] = (user.id, user.email)
        raw = await services.start_session(db, settings, user, ip=_client_ip(request), now=now)
        record(db, "login", "users", str(user.id))
        await db.commit()
        response = Redirect(target)
        response.set_cookie(SESSION_COOKIE, raw, httponly=True, samesite="lax", secure=settings.production,
                            max_age=settings.session_max_hours * 3600, path="/")
        return response

    @post("/logout", name="logout")
    async def logout(self, request: Request, db: Db) -> Redirect:
        if raw := request.cookies.get(SESSION_COOKIE):
            await services.end_session(db, raw)
            if request.user is not None:
                record(db, "logout", "users", str(request.user.id))
            await db.commit()
        response = redirect_to(request, "login")
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
        link = await _in_owners_language(db, token)
        return Template("auth/password_set.html", status_code=200 if link else 404,
                        context={"token": token, "valid": link is not None, "errors": {},
                                 "invitation": link is not None and link.purpose == "invite"})

    @post("/set/{token:str}", name="password:set:submit")
    async def set_password(self, request: Request, db: Db, token: FromPath[str],
                           data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        password = data.get("password", "")
        link = await _in_owners_language(db, token)
        try:
            if password != data.get("password_confirm", ""):
                raise InvalidInput.one("password_confirm", _("does not match the password"))
            user, purpose = await services.set_password_with_link(db, token, password, utcnow())
        except InvalidInput as exc:
            await db.rollback()
            errors = exc.by_field()
            # A link claimed by a simultaneous use since `link` was read is no longer valid either.
            valid = link is not None and "token" not in errors
            return Template("auth/password_set.html", status_code=400,
                            context={"token": token, "valid": valid, "errors": errors, "invitation": False})
        db.sync_session.info["actor"] = (user.id, user.email)
        if purpose == "invite":
            await mark_accepted(db, user, utcnow())
        record(db, "set_password", "users", str(user.id))
        await db.commit()
        flash(request, _("Your password is set. You can log in now."), "success")
        response = redirect_to(request, "login")
        # The login page that follows speaks the account's language too (this browser has no session yet).
        remember_language(response, user.language, request.app.state.settings)
        return response


async def _in_owners_language(db: Db, token: str) -> OneTimeLink | None:
    """A valid one-time link, with the request switched to its owner's language: an invitation e-mailed in French
    opens a French page, whatever the browser says."""
    link = await services.valid_link(db, token, utcnow())
    if link is not None and (owner := await db.get(User, link.user_id)) is not None:
        set_language(owner.language)
    return link


class AccountController(Controller):
    include_in_schema = False
    path = "/account"
    guards = [login_required]

    async def _page(self, request: Request, db: Db, new_token: str | None = None,
                    errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
        tokens = (await db.scalars(select(ApiToken).where(ApiToken.user_id == request.user.id)
                                   .order_by(ApiToken.created_at.desc()))).all()
        user = await db.get(User, request.user.id, populate_existing=True)
        enrolment = None
        if policy.may_use_second_factor(user) and not second_factor.is_enabled(user):
            enrolment = second_factor.provisioning(request.app.state.settings, user)
        return Template("auth/account.html", status_code=status_code, context={
            "tokens": tokens, "new_token": new_token, "errors": errors or {}, "account": user,
            "second_factor": policy.may_use_second_factor(user), "enrolment": enrolment})

    async def _own_account(self, request: Request, db: Db) -> User:
        user = await db.get(User, request.user.id)
        if not policy.may_use_second_factor(user):
            raise PermissionDeniedException(_("the second factor is for coordinators and administrators"))
        return user

    @post("/second-factor", name="account:second_factor:start")
    async def second_factor_start(self, request: Request, db: Db) -> Redirect:
        """A new secret to scan; the second factor is on only once a code from the app confirms it."""
        user = await self._own_account(request, db)
        if second_factor.is_enabled(user):
            raise PermissionDeniedException(_("turn the second factor off first"))
        second_factor.start_enrolment(request.app.state.settings, user)
        await db.commit()
        return redirect_to(request, "account", anchor="second-factor")

    @post("/second-factor/confirm", name="account:second_factor:confirm")
    async def second_factor_confirm(self, request: Request, db: Db,
                                    data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        user = await self._own_account(request, db)
        try:
            second_factor.confirm_enrolment(request.app.state.settings, user, data.get("code", ""), utcnow())
        except InvalidInput as exc:
            await db.rollback()
            return await self._page(request, db, errors=exc.by_field(), status_code=400)
        record(db, "enable_second_factor", "users", str(user.id))
        await db.commit()
        flash(request, _("Two-step login is on: from now on, logging in asks for a code after the password."),
              "success")
        return redirect_to(request, "account")

    @post("/second-factor/disable", name="account:second_factor:disable")
    async def second_factor_disable(self, request: Request, db: Db,
                                    data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        """Turning it off takes a current code, so a session left open is not enough to weaken the account."""
        user = await self._own_account(request, db)
        try:
            second_factor.check_code(request.app.state.settings, user, data.get("code", ""), utcnow())
        except InvalidInput as exc:
            await db.rollback()
            return await self._page(request, db, errors=exc.by_field(), status_code=400)
        second_factor.remove(user)
        record(db, "disable_second_factor", "users", str(user.id))
        await db.commit()
        flash(request, _("Two-step login is off."), "success")
        return redirect_to(request, "account")

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
        return redirect_to(request, "account")

    @post("/tokens/{token_id:int}/revoke", name="account:tokens:revoke")
    async def revoke_token(self, request: Request, db: Db, token_id: FromPath[int]) -> Redirect:
        if not await services.revoke_api_token(db, request.user, token_id, utcnow()):
            raise NotFoundException()
        await db.commit()
        flash(request, _("Token revoked."), "success")
        return redirect_to(request, "account")
