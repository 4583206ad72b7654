"""Checking and importing an uploaded sheet as tasks (jobs/tasks.py), the slot being the upload's id: the upload
request only keeps the file and queues its check; the page follows the task's progress and the upload's counts.

An upload goes checking → previewed → queued → running → done. A sheet that cannot be read as a whole is refused
(nothing to run again: the file must change); a check or import that stops (its worker killed, a conflict) has
failed, with the reason and what was committed, and can be run again: the import is idempotent, rows already saved
are found unchanged."""

from __future__ import annotations

import hashlib
from contextlib import AbstractContextManager

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.database import read_large, utcnow
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _, language
from opsplatform.jobs.tasks import Beat, TaskKind, queue
from opsplatform.models.auth import User
from opsplatform.models.jobs import JobRun
from opsplatform.models.operations import Operation
from opsplatform.models.seizures import SheetFile, SheetImport
from opsplatform.policy import Member
from opsplatform.rendering.filenames import safe_filename
from opsplatform.seizures.imports import ImportReport, import_sheet
from opsplatform.seizures.sheets import SheetLimits
from opsplatform.settings import Settings

CHECKING, PREVIEWED, QUEUED, RUNNING, DONE, FAILED, REFUSED = (
    "checking", "previewed", "queued", "running", "done", "failed", "refused")
ACTIVE = (CHECKING, QUEUED, RUNNING)


def limits(settings: Settings) -> SheetLimits:
    return SheetLimits(rows=settings.sheet_max_rows, unpacked_mb=settings.sheet_max_unpacked_mb,
                       ratio=settings.sheet_max_ratio)


async def keep(session: AsyncSession, *, operation_id: int, country: str, filename: str, content: bytes,
               user: User | None, locale: str | None = None) -> SheetImport:
    """Keep an uploaded file (`user` None: the command line), in the caller's transaction; `locale`: the language
    its numbers and dates are written in, when the sender chose one."""
    upload = SheetImport(operation_id=operation_id, country_code=country, filename=safe_filename(filename),
                         sha256=hashlib.sha256(content).hexdigest(), uploaded_by=user.id if user else None,
                         locale=locale)
    session.add(upload)
    await session.flush()
    session.add(SheetFile(upload_id=upload.id, content=content))
    return upload


async def content_of(session: AsyncSession, upload: SheetImport) -> bytes:
    return await read_large(session, SheetFile.content, SheetFile.upload_id == upload.id)


async def start_check(session: AsyncSession, upload: SheetImport, user: User) -> None:
    """Queue the check of a kept upload (in the caller's transaction)."""
    upload.status, upload.run_by, upload.report = CHECKING, user.id, []
    await session.flush()
    await queue(session, CHECK.name, str(upload.id))


async def start_import(session: AsyncSession, upload: SheetImport, user: User) -> str | None:
    """Queue the import of a checked upload, or say why it cannot run now (in the caller's transaction)."""
    busy = await session.scalar(select(SheetImport.filename).where(
        SheetImport.operation_id == upload.operation_id, SheetImport.country_code == upload.country_code,
        SheetImport.status.in_((QUEUED, RUNNING)), SheetImport.id != upload.id))
    if busy is not None:
        return _('"%(file)s" of %(code)s is being imported; run this one once it has finished', file=busy,
                 code=upload.country_code)
    # From now on its counts are what this import committed: none yet.
    upload.status, upload.run_by, upload.created, upload.updated = QUEUED, user.id, 0, 0
    await session.flush()
    await queue(session, IMPORT.name, str(upload.id))
    return None


async def progress_of(session: AsyncSession, upload: SheetImport) -> JobRun | None:
    """The task now working on the upload, for its progress bar."""
    kind = IMPORT if upload.status in (QUEUED, RUNNING) else CHECK
    return await session.scalar(select(JobRun).where(JobRun.job == kind.name, JobRun.slot == str(upload.id)))


async def _asker(session: AsyncSession, upload: SheetImport) -> User | None:
    """Who asked for the work: its report is written in their language (the command line if nobody did)."""
    return await session.get(User, upload.run_by) if upload.run_by is not None else policy.command_line()


async def _acting(session: AsyncSession, upload: SheetImport, user: User | None) -> Member:
    """The asker as a member of the operation now, logging for the upload's country."""
    operation = await session.get(Operation, upload.operation_id)
    member = await policy.member_of(session, user, operation) if user is not None and user.is_active else None
    if member is None or not policy.may_log_for(member, upload.country_code):
        raise InvalidInput.one("file", _("you no longer log records for %(code)s in this operation",
                                         code=upload.country_code))
    session.sync_session.info["actor"] = (user.id, user.email)
    return member


def _in_language_of(user: User | None, settings: Settings) -> AbstractContextManager[None]:
    return language((user.language if user is not None else None) or settings.default_language)


class _Told:
    """An import's progress: the task's bar, and the upload's committed counts in each batch's transaction."""

    def __init__(self, upload_id: int, beat: Beat) -> None:
        self.upload_id, self.beat = upload_id, beat

    async def read(self, rows: int) -> None:
        await self.beat(rows, 0)

    async def saved(self, session: AsyncSession, done: int, total: int, report: ImportReport) -> None:
        await session.execute(update(SheetImport).where(SheetImport.id == self.upload_id)
                              .values(created=report.created, updated=report.updated))
        await self.beat(done, total, session)


def _counts(report: ImportReport) -> dict[str, object]:
    return {"rows_total": report.rows, "rows_done": report.rows, "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "rejected": report.rejected, "report": report.told()}


async def check(session: AsyncSession, settings: Settings, slot: str, beat: Beat) -> int:
    """Read and check every row without saving anything: the preview."""
    upload = await session.get(SheetImport, int(slot))
    asker = await _asker(session, upload)
    with _in_language_of(asker, settings):
        try:
            report = await import_sheet(session, await _acting(session, upload, asker), upload.country_code,
                                        await content_of(session, upload), upload.filename, limits=limits(settings),
                                        dry_run=True, progress=_Told(upload.id, beat), locale=upload.locale)
        except InvalidInput as exc:
            await _end(session, upload.id, REFUSED, report=[f"{e.field}: {e.message}" for e in exc.errors])
            return 0
    await _end(session, upload.id, PREVIEWED, checked_at=utcnow(), finished_at=None, **_counts(report))
    return report.rows


async def run_import(session: AsyncSession, settings: Settings, slot: str, beat: Beat) -> int:
    """Import the good rows of a checked sheet, one sheet of a country at a time; the counts are those committed."""
    upload_id = int(slot)
    try:
        claimed = await session.execute(update(SheetImport).where(SheetImport.id == upload_id,
                                                                   SheetImport.status == QUEUED)
                                        .values(status=RUNNING, created=0, updated=0))
        await session.commit()
    except IntegrityError:  # one running import per country: another sheet of it got there first
        await session.rollback()
        await _failed(session, upload_id, [_("another sheet of this country was being imported; run this one again "
                                             "once it has finished")])
        return 0
    if claimed.rowcount != 1:
        return 0
    upload = await session.get(SheetImport, upload_id)
    asker = await _asker(session, upload)
    with _in_language_of(asker, settings):
        try:
            report = await import_sheet(session, await _acting(session, upload, asker), upload.country_code,
                                        await content_of(session, upload), upload.filename, limits=limits(settings),
                                        progress=_Told(upload_id, beat), locale=upload.locale)
        except InvalidInput as exc:
            await session.rollback()
            await _failed(session, upload_id, [f"{e.field}: {e.message}" for e in exc.errors])
            return 0
    await _end(session, upload_id, DONE, **_counts(report))
    return report.created + report.updated


async def _end(session: AsyncSession, upload_id: int, status: str, **values: object) -> None:
    values.setdefault("finished_at", utcnow())
    await session.execute(update(SheetImport).where(SheetImport.id == upload_id).values(status=status, **values))
    await session.commit()


async def _failed(session: AsyncSession, upload_id: int, why: list[str]) -> None:
    """The upload failed: why, after the rows that need correcting; its counts are what was committed."""
    upload = await session.get(SheetImport, upload_id, populate_existing=True)
    await _end(session, upload_id, FAILED, report=[*upload.report, *why])


async def stopped(session: AsyncSession, slot: str, why: str) -> None:
    """A check or import that died: the upload says so, with what was committed, and can be run again."""
    upload = await session.scalar(select(SheetImport).where(SheetImport.id == int(slot)))
    if upload is not None and upload.status in ACTIVE:
        await _failed(session, upload.id, [_("the work stopped before its end (%(why)s); the counts above are what "
                                             "was saved: run it again to finish", why=why)])


CHECK = TaskKind("sheet_check", check, stopped)
IMPORT = TaskKind("sheet_import", run_import, stopped)
KINDS = {kind.name: kind for kind in (CHECK, IMPORT)}
