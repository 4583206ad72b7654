"""Pages across operations: the annual illegal trade report export, and the suspect matches a cleared user is told of."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.response import Template
from sqlalchemy import select

from opsplatform import policy
from opsplatform.auth.guards import login_required, requires
from opsplatform.cases import annual_report
from opsplatform.cases.matching import matches_for
from opsplatform.database import utcnow
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _
from opsplatform.reference.models import Country
from opsplatform.web.deps import Db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def annual_report_file(request: Request, db: Db) -> Response[bytes]:
    """The XLSX for the query's country and year, or 404 for a country the user may not report on."""
    country, year, share = annual_report.check_request(dict(request.query_params), utcnow().date())
    report = await annual_report.annual_report(db, request.user, country, year, share)
    if report is None:
        raise NotFoundException(_("no country %(code)s whose report you may export", code=country))
    return Response(annual_report.workbook(report), media_type=XLSX, headers={
        "content-disposition": f'attachment; filename="{annual_report.filename(report)}"'})


class CaseReportController(Controller):
    include_in_schema = False

    @get("/reports/annual-illegal-trade", name="cases:annual_report", guards=[requires("annual_report")])
    async def annual_report_page(self, request: Request, db: Db) -> Template:
        countries = (await db.execute(select(Country.alpha3, Country.name).where(
            Country.alpha3.in_(policy.annual_report_countries(request.user))).order_by(Country.name))).all()
        today = utcnow().date()
        return Template("cases/annual_report.html", context={
            "countries": countries, "years": list(range(today.year, today.year - 10, -1)),
            "default_country": request.user.country_code or "", "default_year": today.year - 1, "errors": {}})

    @get("/reports/annual-illegal-trade.xlsx", name="cases:annual_report_file", guards=[requires("annual_report")])
    async def annual_report_download(self, request: Request, db: Db) -> Response[bytes]:
        try:
            return await annual_report_file(request, db)
        except InvalidInput as exc:
            countries = (await db.execute(select(Country.alpha3, Country.name).where(
                Country.alpha3.in_(policy.annual_report_countries(request.user))).order_by(Country.name))).all()
            today = utcnow().date()
            return Template("cases/annual_report.html", status_code=400, context={
                "countries": countries, "years": list(range(today.year, today.year - 10, -1)),
                "default_country": request.query_params.get("country", ""),
                "default_year": request.query_params.get("year", ""), "errors": exc.by_field()})

    @get("/matches", name="cases:matches", guards=[login_required])
    async def matches(self, request: Request, db: Db) -> Template:
        """Matches of suspects' document numbers with other countries' records: whom to contact, never names."""
        if not policy.sees_matches(request.user):
            raise PermissionDeniedException(_("suspect matches are for users cleared for nominal data"))
        return Template("cases/matches.html", context={"views": await matches_for(db, request.user)})
