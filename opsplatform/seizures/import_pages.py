"""Sheet import pages: template download, upload with a dry-run preview, import with live progress, kept files."""

from __future__ import annotations

import asyncio
import hashlib
import logging

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.response import Redirect, Template
from sqlalchemy import select, update

from opsplatform import policy
from opsplatform.auth.models import User
from opsplatform.database import session_scope, utcnow
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _, current_language
from opsplatform.labels import status_label
from opsplatform.operations.models import Operation, Target
from opsplatform.reference import lookup
from opsplatform.reference.models import Currency, Taxon, TradeTerm, Unit
from opsplatform.seizures import services, vocabulary as v
from opsplatform.seizures.imports import ImportReport, import_sheet
from opsplatform.seizures.models import SheetImport
from opsplatform.seizures.sheets import build_template
from opsplatform.web.access import Membership, ReadableOperation, ReadableUpload, needs
from opsplatform.web.deps import Db

log = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_running: set[asyncio.Task[None]] = set()  # keep references so background imports are not garbage-collected


def _save_report(upload: SheetImport, report: ImportReport) -> None:
    upload.rows_total, upload.rows_done = report.rows, report.rows
    upload.created, upload.updated, upload.unchanged = report.created, report.updated, report.unchanged
    upload.rejected, upload.report = report.rejected, report.problems


async def run_import(state: State, import_id: int, user: User) -> None:
    """Import a kept upload in the background, recording progress on its row so any instance can show it."""
    async with session_scope(state.sessionmaker, actor=(user.id, user.email)) as session:
        upload = await session.get(SheetImport, import_id)
        operation = await session.get(Operation, upload.operation_id)
        member = await policy.member_of(session, user, operation)

        async def progress(done: int, total: int) -> None:
            async with state.sessionmaker() as other:
                await other.execute(update(SheetImport).where(SheetImport.id == import_id)
                                    .values(rows_done=done, rows_total=total))
                await other.commit()
        try:
            if member is None or not policy.may_log_for(member, upload.country_code):
                raise InvalidInput.one("file", _("you no longer log records for %(code)s in this operation",
                                                 code=upload.country_code))
            report = await import_sheet(session, member, upload.country_code, upload.content, upload.filename,
                                        progress=progress)
        except Exception as exc:  # noqa: BLE001 - the page must learn the import stopped, whatever the reason
            await session.rollback()
            upload = await session.get(SheetImport, import_id, populate_existing=True)
            upload.status, upload.report = "failed", [str(exc)]
            log.exception("import %s failed", import_id)
        else:
            upload = await session.get(SheetImport, import_id, populate_existing=True)
            _save_report(upload, report)
            upload.status = "done"
        upload.finished_at = utcnow()
        await session.commit()


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
            end=operation.end_date, terms=await lookup.coded_names(db, TradeTerm), units=await lookup.coded_names(db, Unit),
            countries=sorted(await lookup.country_choices(db)),
            target_taxa=[(t.scientific_name, t.common_name(current_language()) or "") for t in targets],
            transport_modes=list(v.TRANSPORT_MODES),
            detection_methods=list(v.DETECTION_METHODS), agencies=list(v.AGENCIES),
            location_types=list(v.LOCATION_TYPES), case_statuses=list(v.CASE_STATUSES),
            currencies=list((await db.scalars(select(Currency.code).order_by(Currency.code))).all()))
        return Response(content, media_type=XLSX, headers={
            "content-disposition": f'attachment; filename="{operation.code}-seizures.xlsx"'})

    async def _page(self, db: Db, member: Membership, *, errors: dict[str, str] | None = None,
                    status_code: int = 200) -> Template:
        await db.refresh(member.operation)
        uploads = (await db.scalars(select(SheetImport).where(policy.uploads(member))
                                    .order_by(SheetImport.id.desc()).limit(30))).all()
        return Template("seizures/imports.html", status_code=status_code, context={
            "operation": member.operation, "uploads": uploads, "errors": errors or {},
            "countries": None if policy.own_country(member) else sorted(member.countries or [])})

    @get("/imports", name="imports")
    async def index(self, db: Db, member: Membership) -> Template:
        return await self._page(db, member)

    @post("/imports", name="imports:upload")
    async def upload(self, request: Request, db: Db, member: Membership) -> Template | Redirect:
        """Keep the file and check every row without writing any result: the preview."""
        operation = member.operation
        form = await request.form()
        file = form.get("file")
        try:
            if not isinstance(file, UploadFile) or not file.filename:
                raise InvalidInput.one("file", _("choose a CSV or XLSX file"))
            country = await services.reporting_country(db, member, dict(form))
            content = await file.read()
            report = await import_sheet(db, member, country, content, file.filename, dry_run=True)
        except InvalidInput as exc:
            return await self._page(db, member, errors=exc.by_field(), status_code=400)
        upload = SheetImport(operation_id=operation.id, country_code=country, filename=file.filename[:255],
                             content=content, sha256=hashlib.sha256(content).hexdigest(),
                             uploaded_by=request.user.id, status="previewed")
        _save_report(upload, report)
        db.add(upload)
        await db.commit()
        return Redirect(f"/operations/{operation.code}/imports/{upload.id}")

    @get("/imports/{import_id:int}", name="imports:detail")
    async def detail(self, request: Request, member: Membership, upload: ReadableUpload) -> Template:
        """The preview, the progress while running (polled by htmx), then the report."""
        operation = member.operation
        template = "seizures/_import_status.html" if request.headers.get("hx-request") else "seizures/import.html"
        return Template(template, context={"operation": operation, "upload": upload})

    @post("/imports/{import_id:int}/run", name="imports:run")
    async def run(self, request: Request, db: Db, member: Membership, upload: ReadableUpload) -> Redirect:
        operation = member.operation
        claimed = await db.execute(update(SheetImport).where(SheetImport.id == upload.id,
                                                             SheetImport.status == "previewed")
                                   .values(status="running", rows_done=0))
        await db.commit()
        if claimed.rowcount == 1:  # a second click does not start a second import
            task = asyncio.create_task(run_import(request.app.state, upload.id, request.user))
            _running.add(task)
            task.add_done_callback(_running.discard)
        return Redirect(f"/operations/{operation.code}/imports/{upload.id}")

    @get("/imports/{import_id:int}/file", name="imports:file")
    async def original(self, upload: ReadableUpload) -> Response[bytes]:
        media = XLSX if upload.content[:4] == b"PK\x03\x04" else "text/csv"
        return Response(upload.content, media_type=media,
                        headers={"content-disposition": f'attachment; filename="{upload.filename}"'})

    @get("/imports/{import_id:int}/report.txt", name="imports:report")
    async def report(self, upload: ReadableUpload) -> Response[str]:
        lines = [f"{upload.filename} ({upload.country_code}, {status_label(upload.status)})",
                 _("%(rows)s rows: %(accepted)s accepted, %(rejected)s rejected (%(created)s created, %(updated)s "
                   "updated, %(unchanged)s unchanged)", rows=upload.rows_total,
                   accepted=upload.rows_total - upload.rejected, rejected=upload.rejected, created=upload.created,
                   updated=upload.updated, unchanged=upload.unchanged), *upload.report]
        return Response("\n".join(lines) + "\n", media_type="text/plain; charset=utf-8",
                        headers={"content-disposition": f'attachment; filename="import-{upload.id}-report.txt"'})

