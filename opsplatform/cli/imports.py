"""`opsplatform import seizures`: a sheet imported from the command line is recorded like an upload (listed on the
operation's imports page, with its report and counts) and runs the same task code, in this process."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from opsplatform.cli.tools import command_line_member, database_option, run_async, settings_for
from opsplatform.database import make_engine, make_sessionmaker, session_scope, utcnow


@click.group("import")
def import_() -> None:
    """Import results."""


@import_.command("seizures")
@database_option
@click.option("--operation", "code", required=True, help="Operation code.")
@click.option("--country", required=True, help="Reporting country (ISO 3166-1 alpha-3, or alpha-2).")
@click.option("--dry-run", is_flag=True, help="Check every row and report, writing nothing.")
@click.option("--locale", help="Language the sheet's typed numbers and dates are written in, such as fr_FR or en_US "
                               "(default: the reporting country's).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@run_async
async def import_seizures(database_url: str, code: str, country: str, dry_run: bool, locale: str | None,
                          file: str) -> None:
    """Import a seizure sheet (CSV or XLSX); good rows are imported even when others are rejected."""
    from sqlalchemy import select

    from opsplatform.checks import known_locale
    from opsplatform.errors import InvalidInput
    from opsplatform.jobs import tasks
    from opsplatform.models.operations import Participant
    from opsplatform.models.seizures import SheetImport
    from opsplatform.reference import lookup
    from opsplatform.seizures import sheet_tasks

    content = Path(file).read_bytes()
    settings = settings_for(database_url)
    engine = make_engine(database_url, pool_size=2)
    sessionmaker = make_sessionmaker(engine)
    try:
        async with session_scope(sessionmaker) as session:
            member = await command_line_member(session, code)
            alpha3 = lookup.resolve_country(await lookup.country_codes(session), country) or country.strip().upper()
            if locale is not None and known_locale(locale) is None:
                raise InvalidInput.one("locale", f"{locale} is not a language such as fr_FR or en_US")
            if not await session.scalar(select(Participant.id).where(
                    Participant.operation_id == member.operation.id, Participant.country_code == alpha3)):
                raise InvalidInput.one("country", f"{alpha3} does not take part in {member.operation.code}")
            await tasks.reap(session, utcnow(), sheet_tasks.KINDS)  # a killed import of this country no longer holds it
            kind, status = (sheet_tasks.CHECK, sheet_tasks.CHECKING) if dry_run else \
                (sheet_tasks.IMPORT, sheet_tasks.QUEUED)
            upload = await sheet_tasks.keep(session, operation_id=member.operation.id, country=alpha3,
                                            filename=Path(file).name, content=content, user=None,
                                            locale=known_locale(locale) if locale else None)
            upload.status = status
            run = await tasks.queue(session, kind.name, str(upload.id), here=True)
            await session.commit()
            upload_id, run_id = upload.id, run.id
        with click.progressbar(length=1, label="checking" if dry_run else "importing", file=sys.stderr) as bar:
            async def watch(done: int, total: int) -> None:
                bar.length = max(total, done, 1)
                bar.update(done - bar.pos)
            await tasks.run(sessionmaker, settings, run_id, sheet_tasks.KINDS, watch=watch)
        async with sessionmaker() as session:
            upload = await session.get(SheetImport, upload_id)
    finally:
        await engine.dispose()
    _tell(upload, dry_run)


def _tell(upload: Any, dry_run: bool) -> None:
    """The counts and each problem line; exit 1 when a row was rejected or the sheet not imported."""
    from opsplatform.seizures import sheet_tasks

    if upload.status in (sheet_tasks.REFUSED, sheet_tasks.FAILED):
        for line in upload.report:
            click.echo(line, err=True)
        sys.exit(1)
    verb = "would be" if dry_run else "were"
    click.echo(f"{upload.rows_total} rows: {upload.rows_total - upload.rejected} accepted, {upload.rejected} rejected "
               f"({upload.created} seizures {verb} created, {upload.updated} updated, {upload.unchanged} unchanged)")
    for problem in upload.report:
        click.echo(problem)
    if upload.rejected:
        sys.exit(1)
