"""Sheet import pages: template download, upload with a preview, import with live progress, kept files and reports.

Checking and importing leave the request (seizures/sheet_tasks.py): the page polls their progress."""

from __future__ import annotations

from babel import Locale
from babel.numbers import format_decimal
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template
from sqlalchemy import select

from opsplatform import checks, dates, policy
from opsplatform.database import utcnow
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _, current_language
from opsplatform.jobs.tasks import reap
from opsplatform.labels import status_label
from opsplatform.models import vocabulary as v
from opsplatform.models.operations import Participant, Target
from opsplatform.models.reference import Country, Currency, Taxon, TradeTerm, Unit
from opsplatform.models.seizures import SheetImport
from opsplatform.reference import lookup, units
from opsplatform.rendering.filenames import download_headers
from opsplatform.seizures import services, sheet_tasks
from opsplatform.seizures.template import build_template
from opsplatform.web.access import Membership, ReadableOperation, ReadableUpload, needs
from opsplatform.web.deps import Db
from opsplatform.web.flash import flash
from opsplatform.web.redirects import redirect_to

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportController(Controller):
    include_in_schema = False
    path = "/operations/{code:str}"
    dependencies = needs("log_records")

    @get("/template.xlsx", name="imports:template")
    async def template(self, db: Db, operation: ReadableOperation) -> Response[bytes]:
        """The operation's sheet template in the user's language, with dropdowns for every coded column and its target
        taxa."""
        targets = (await db.scalars(select(Taxon).join(Target, Target.taxon_id == Taxon.id)
                                    .where(Target.operation_id == operation.id).order_by(Taxon.scientific_name))).all()
        content = build_template(
            operation_code=operation.code, operation_name=operation.name, start=operation.start_date,
            end=operation.end_date, terms=await lookup.coded_names(db, TradeTerm),
            units=await _units_given(db), countries=sorted(await lookup.country_choices(db)),
            target_taxa=[(t.scientific_name, t.common_name(current_language()) or "") for t in targets],
            transport_modes=list(v.TRANSPORT_MODES),
            detection_methods=list(v.DETECTION_METHODS), agencies=list(v.AGENCIES),
            location_types=list(v.LOCATION_TYPES), case_statuses=list(v.CASE_STATUSES),
            currencies=list((await db.scalars(select(Currency.code).order_by(Currency.code))).all()))
        return Response(content, media_type=XLSX, headers=download_headers(f"{operation.code}-seizures.xlsx"))

    async def _page(self, db: Db, member: Membership, *, errors: dict[str, str] | None = None,
                    status_code: int = 200) -> Template:
        await db.refresh(member.operation)
        uploads = (await db.scalars(select(SheetImport).where(policy.uploads(member))
                                    .order_by(SheetImport.id.desc()).limit(30))).all()
        return Template("seizures/imports.html", status_code=status_code, context={
            "operation": member.operation, "uploads": uploads, "errors": errors or {},
            "countries": None if policy.own_country(member) else sorted(member.countries or []),
            "locales": await _locales(db, member)})

    @get("/imports", name="imports")
    async def index(self, db: Db, member: Membership) -> Template:
        return await self._page(db, member)

    @post("/imports", name="imports:upload")
    async def upload(self, request: Request, db: Db, member: Membership) -> Template | Redirect:
        """Keep the file and queue the check of every row, which writes no result: the preview follows."""
        operation = member.operation
        form = await request.form()
        file = form.get("file")
        try:
            if not isinstance(file, UploadFile) or not file.filename:
                raise InvalidInput.one("file", _("choose a CSV or XLSX file"))
            country = await services.reporting_country(db, member, dict(form))
            locale = checks.known_locale(form.get("locale")) if form.get("locale") else None
            if form.get("locale") and locale is None:
                raise InvalidInput.one("locale", _("choose one of the languages listed"))
            content = await file.read()
            if not content.strip():
                raise InvalidInput.one("file", _("the file is empty; fill in the seizure sheet template and upload it "
                                                 "again"))
        except InvalidInput as exc:
            return await self._page(db, member, errors=exc.by_field(), status_code=400)
        upload = await sheet_tasks.keep(db, operation_id=operation.id, country=country, filename=file.filename,
                                        content=content, user=request.user, locale=locale)
        await sheet_tasks.start_check(db, upload, request.user)
        await db.commit()
        return redirect_to(request, "imports:detail", code=operation.code, import_id=upload.id)

    @get("/imports/{import_id:int}", name="imports:detail")
    async def detail(self, request: Request, db: Db, member: Membership, upload: ReadableUpload) -> Template:
        """The progress while checking or importing (polled by htmx), then the preview or the report."""
        template = "seizures/_import_status.html" if request.headers.get("hx-request") else "seizures/import.html"
        return Template(template, context={"operation": member.operation, "upload": upload,
                                           "task": await sheet_tasks.progress_of(db, upload),
                                           "active": upload.status in sheet_tasks.ACTIVE})

    @post("/imports/{import_id:int}/run", name="imports:run")
    async def run(self, request: Request, db: Db, member: Membership, upload: ReadableUpload) -> Redirect:
        """Import a checked sheet's good rows, or run again a check or import that failed."""
        await reap(db, utcnow(), sheet_tasks.KINDS)  # one whose worker is gone is failed now, so it can be run again
        await db.refresh(upload)
        if upload.status == sheet_tasks.FAILED and upload.checked_at is None:
            await sheet_tasks.start_check(db, upload, request.user)
        elif upload.status in (sheet_tasks.PREVIEWED, sheet_tasks.FAILED):
            busy = await sheet_tasks.start_import(db, upload, request.user)
            if busy:
                flash(request, busy, "error")
        await db.commit()  # any other state: already on its way (a second click starts nothing)
        return redirect_to(request, "imports:detail", code=member.operation.code, import_id=upload.id)

    @get("/imports/{import_id:int}/file", name="imports:file")
    async def original(self, db: Db, upload: ReadableUpload) -> Response[bytes]:
        content = bytes(await sheet_tasks.content_of(db, upload))
        xlsx = content[:4] == b"PK\x03\x04"
        # Saved under the extension of what it is: a sheet named "x.html" is not opened as a page.
        name = upload.filename.rpartition(".")[0] or upload.filename
        return Response(content, media_type=XLSX if xlsx else "text/csv",
                        headers=download_headers(f"{name}.{'xlsx' if xlsx else 'csv'}"))

    @get("/imports/{import_id:int}/report.txt", name="imports:report")
    async def report(self, upload: ReadableUpload) -> Response[str]:
        lines = [f"{upload.filename} ({upload.country_code}, {status_label(upload.status)})",
                 _("%(rows)s rows: %(accepted)s accepted, %(rejected)s rejected (%(created)s created, %(updated)s "
                   "updated, %(unchanged)s unchanged)", rows=upload.rows_total,
                   accepted=upload.rows_total - upload.rejected, rejected=upload.rejected, created=upload.created,
                   updated=upload.updated, unchanged=upload.unchanged), *upload.report]
        return Response("\n".join(lines) + "\n", media_type="text/plain; charset=utf-8",
                        headers=download_headers(f"import-{upload.id}-report.txt"))


async def _locales(db: Db, member: Membership) -> list[tuple[str, str]]:
    """The languages a sheet's numbers and dates may be written in: those of the operation's countries and the usual
    English, French and Spanish ones, each with how it writes 1234.5 and 2 October 2026."""
    alpha2 = (await db.scalars(select(Country.alpha2).join(Participant, Participant.country_code == Country.alpha3)
                               .where(Participant.operation_id == member.operation.id))).all()
    codes = {checks.country_locale(code) for code in alpha2} | {"en_US", "en_GB", "fr_FR", "es_ES", "es_MX"}
    language = current_language()
    named = [(code, Locale.parse(code).get_display_name(language) or code) for code in codes]
    return [(code, f"{name}: {format_decimal(1234.5, locale=code)} · {dates.short_example(code)}")
            for code, name in sorted(named, key=lambda pair: pair[1].casefold())]


async def _units_given(db: Db) -> list[tuple[str, str]]:
    """The units some trade term is recorded in, for the template's unit list (others, and aliases, are still read)."""
    given = {code for term in (await db.scalars(select(TradeTerm))).all() for code in units.term_units(term)}
    return [(code, name) for code, name in await lookup.coded_names(db, Unit) if code in given]
