"""Pages across operations: the annual illegal trade report export, and the suspect matches a cleared user is
told of."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.exceptions import PermissionDeniedException
from litestar.response import Template

from opsplatform import policy
from opsplatform.cases.matching import matches_for
from opsplatform.database import utcnow
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _
from opsplatform.reference import lookup
from opsplatform.web.case_files import annual_report_response
from opsplatform.web.deps import Db
from opsplatform.web.guards import login_required, requires


async def annual_report_form(request: Request, db: Db, *, typed: dict[str, str],
                             errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
    """The report's form, with what was typed (or the user's own country and details, and last year)."""
    countries = await lookup.country_choices(db, policy.annual_report_countries(request.user))
    today = utcnow().date()
    return Template("cases/annual_report.html", status_code=status_code, context={
        "countries": countries, "years": list(range(today.year, today.year - 10, -1)), "errors": errors or {},
        "typed": typed})


class CaseReportController(Controller):
    include_in_schema = False

    @get("/reports/annual-illegal-trade", name="cases:annual_report", guards=[requires("annual_report")])
    async def annual_report_page(self, request: Request, db: Db) -> Template:
        user = request.user
        return await annual_report_form(request, db, typed={
            "country": policy.account_country(user) or "", "year": str(utcnow().date().year - 1),
            "contact_name": user.name, "contact_email": user.email})

    @get("/reports/annual-illegal-trade.xlsx", name="cases:annual_report_file", guards=[requires("annual_report")])
    async def annual_report_download(self, request: Request, db: Db) -> Response[bytes] | Template:
        try:
            return await annual_report_response(request, db)
        except InvalidInput as exc:
            return await annual_report_form(request, db, typed=dict(request.query_params), errors=exc.by_field(),
                                            status_code=400)

    @get("/matches", name="cases:matches", guards=[login_required])
    async def matches(self, request: Request, db: Db) -> Template:
        """Matches of suspects' document numbers with other countries' records: whom to contact, never names."""
        if not policy.cleared_member(request.user):
            raise PermissionDeniedException(_("suspect matches are for users cleared for nominal data"))
        return Template("cases/matches.html", context={"views": await matches_for(db, request.user)})
