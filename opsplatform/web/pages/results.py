"""The dashboard (figures, charts, completeness, filter bar, live updates), its maps and the filtered exports."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Stream, Template
from sqlalchemy import select

from opsplatform.database import utcnow
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _, current_language
from opsplatform.labels import problems_in_words
from opsplatform.models.reference import Country
from opsplatform.rendering.filenames import download_headers
from opsplatform.reporting import exports, maps, workbooks
from opsplatform.reporting.dashboard import dashboard_context
from opsplatform.reporting.filters import ResultFilter, as_typed, read_filter
from opsplatform.reporting.summary import route_figures, summary
from opsplatform.web.access import Membership, needs
from opsplatform.web.deps import Db, Reads
from opsplatform.web.flash import flash
from opsplatform.web.maps import map_response
from opsplatform.web.pickers import filter_choices
from opsplatform.web.redirects import redirect_to
from opsplatform.web.streams import streamed

MAP_KINDS = ("points", "countries", "flows")


class DashboardController(Controller):
    include_in_schema = False
    path = "/operations/{code:str}"

    @get("/dashboard", name="dashboard")
    async def dashboard(self, request: Request, reads: Reads, member: Membership) -> Template:
        """The whole page; while the operation is active htmx refreshes the figures every 30 seconds."""
        operation = member.operation
        try:
            result_filter = await read_filter(reads, request.query_params)
        except InvalidInput as exc:  # the figures unfiltered, the filter as typed with what is wrong in it
            result_filter, errors = ResultFilter(), exc.by_field()
            params = as_typed(request.query_params)
        else:
            errors, params = {}, result_filter.as_params()
        context = await dashboard_context(reads, member, result_filter, utcnow())
        if request.headers.get("hx-request"):  # the figures alone, refreshed: no filter bar to fill
            return Template("reporting/_figures.html", context={**context, "operation": operation})
        return Template("reporting/dashboard.html", context={
            **context, "operation": operation, "filter": result_filter, "params": params,
            "errors": errors, "live": operation.phase == "active", "map_kinds": MAP_KINDS,
            "export_fields": exports.FIELDS, **await filter_choices(reads)})

    @get("/map/{kind:str}", name="dashboard:map")
    async def map(self, request: Request, reads: Reads, member: Membership, kind: FromPath[str]) -> Response:
        """Seizure points (clustered), a choropleth of seizures per country, or trafficking flows; no nominal data."""
        result_filter, settings = await read_filter(reads, request.query_params), request.app.state.settings
        if kind == "countries":
            figures = await summary(reads, member, result_filter)
            return map_response(settings, maps.choropleth_map(
                settings, {e["country"]: e["seizures"] for e in figures["by_country"]}, legend_title=_("Seizures")))
        if kind == "flows":
            legs = (await route_figures(reads, member, result_filter))["legs"]
            points = {c: (lat, lon) for c, lat, lon in (await reads.execute(
                select(Country.alpha3, Country.latitude, Country.longitude)
                .where(Country.latitude.is_not(None)))).all()}
            return map_response(settings, maps.flows_map(
                settings, [(f["origin"], f["destination"], f["seizures"]) for f in legs], points))
        if kind != "points":
            raise InvalidInput.one("kind", _("choose points, countries or flows"))
        # Points are records: only those the user sees in full, and only non-nominal facts in the popup.
        points = await maps.seizure_points(reads, member, result_filter)
        return map_response(settings, maps.points_map(settings, points))

    @get([f"/export.{fmt}" for fmt in exports.FORMATS], name="dashboard:export", dependencies=needs("view_records"))
    async def export(self, request: Request, reads: Reads, member: Membership) -> Response[bytes] | Stream | Template:
        """The filtered records as CSV, XLSX or GeoJSON with the fields picked; what the filtered list shows. CSV and
        GeoJSON are streamed as they are written; a workbook is sent whole, or if large offered to be written in the
        background (workbooks.py)."""
        operation = member.operation
        fmt = request.url.path.rsplit(".", 1)[-1]
        fields = exports.pick_fields(request.query_params.getall("fields", []))
        if fmt == "geojson":
            fields += [f for f in ("latitude", "longitude") if f not in fields]
        result_filter = await read_filter(reads, request.query_params)
        query = exports.export_query(member, result_filter, fields)
        headers = download_headers(f"{operation.code}-seizures.{fmt}")
        if fmt in exports.STREAMED:
            write = exports.STREAMED[fmt]
            return streamed(request, lambda session: write(exports.batches(session, query), fields),
                            media_type=exports.FORMATS[fmt], headers=headers)
        if (rows := await exports.count_rows(reads, query)) > workbooks.AT_ONCE:
            return Template("reporting/workbook.html", context={
                "operation": operation, "rows": rows, "fields": fields, "params": result_filter.as_params()})
        content = await exports.workbook(exports.batches(reads, query), fields)
        return Response(content, media_type=exports.FORMATS[fmt], headers=headers)

    @post("/export.xlsx", name="dashboard:workbook", dependencies=needs("view_records"))
    async def workbook(self, request: Request, db: Db, member: Membership) -> Redirect:
        """Queue a large workbook of the filtered records, written in the background and kept in the operation's
        documents for the member who asked; the documents page follows its progress, or says why none was queued."""
        form, code = await request.form(), member.operation.code  # a rollback below expires the operation
        try:
            await workbooks.ask(db, member, await read_filter(db, form),
                                exports.pick_fields(form.getall("fields", [])), current_language())
        except InvalidInput as exc:
            await db.rollback()
            flash(request, problems_in_words(exc.errors), "error")
        else:
            await db.commit()
            flash(request, _("The workbook is being written: it is listed below, for you alone, once ready."),
                  "success")
        return redirect_to(request, "documents", code=code)
