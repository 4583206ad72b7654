"""The home page (with a focal point's national registers), the language switch and the health check."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import func, select, text

from opsplatform import checks, policy
from opsplatform.database import utcnow
from opsplatform.errors import InvalidInput
from opsplatform.labels import problems_in_words
from opsplatform.models.operations import Participant
from opsplatform.operations import registers
from opsplatform.settings import LANGUAGES
from opsplatform.web.authentication import remember_language
from opsplatform.web.deps import Db
from opsplatform.web.flash import flash
from opsplatform.web.guards import login_required, requires
from opsplatform.web.redirects import redirect_to, same_site_path


class HomeController(Controller):
    include_in_schema = False

    @get("/", name="home", guards=[login_required])
    async def home(self, request: Request, db: Db) -> Template:
        """Each role lands on the operations it can open, newest first."""
        user = request.user
        participants = (select(Participant.operation_id, func.count().label("countries"))
                        .group_by(Participant.operation_id).subquery())
        visible = policy.visible_operations(user).subquery()
        rows = (await db.execute(
            select(visible, func.coalesce(participants.c.countries, 0))
            .outerjoin(participants, participants.c.operation_id == visible.c.id)
            .order_by(visible.c.start_date.desc()))).all()
        return Template("home.html", context={
            "operations": [row for row in rows if row.register_country is None],
            # A focal point's national registers, apart: its country's seizures outside any operation.
            "registers": [row for row in rows if row.register_country is not None],
            "register_years": registers.register_years(utcnow().date())})

    @post("/register", name="register", guards=[requires("keep_register")])
    async def register(self, request: Request, db: Db, data: URLEncodedBody[dict[str, str]]) -> Redirect:
        """Open the country's national register of a year (made the first time) at its seizure form."""
        year = checks.whole(data.get("year", ""), 1, 9999) or 0
        try:
            register = await registers.national_register(db, request.user.country_code, year, utcnow().date(),
                                                         request.user.id)
        except InvalidInput as exc:
            await db.rollback()
            flash(request, problems_in_words(exc.errors), "error")
            return redirect_to(request, "home")
        await db.commit()
        return redirect_to(request, "seizures:new", code=register.code)

    @post("/language", name="language")
    async def switch_language(self, request: Request, db: Db,
                              data: URLEncodedBody[dict[str, str]]) -> Redirect:
        """Remember the chosen language: on the account when logged in, in a cookie otherwise."""
        language = data.get("language", "")
        response = Redirect(same_site_path(data.get("next")))
        if language in LANGUAGES:
            remember_language(response, language, request.app.state.settings)
            if request.user is not None:
                user = await db.merge(request.user)
                user.language = language
                await db.commit()
        return response


@get("/favicon.ico", name="favicon", include_in_schema=False)
async def favicon(request: Request) -> Redirect:
    return redirect_to(request, "static", file_path="/favicon.svg")


@get("/health", name="health", include_in_schema=False)
async def health(state: State) -> dict[str, str]:
    """For load balancers and Docker health checks: the database answers."""
    async with state.sessionmaker() as session:
        await session.execute(text("SELECT 1"))
    return {"status": "ok"}
