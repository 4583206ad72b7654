"""`opsplatform report …`: the summary, briefings and the public release on the command line (docs/reference.md)."""

from __future__ import annotations

from typing import Any

import click

from opsplatform import policy
from opsplatform.cli.annual_report import annual_illegal_trade
from opsplatform.cli.tools import (
    command_line_member,
    database_option,
    operation_by_code,
    run_async,
    settings_for,
    with_session,
)

# --- reports ----------------------------------------------------------------------------------------------------------

@click.group()
def report() -> None:
    """Figures and documents."""


@report.command("summary")
@database_option
@click.option("--operation", "code", required=True, help="Operation code.")
@click.option("--format", "output", type=click.Choice(["json", "text"]), default="text", show_default=True)
@run_async
async def report_summary(database_url: str, code: str, output: str) -> None:
    """The operation's summary (see docs/reference.md) on standard output."""
    import json

    from opsplatform.reporting.summary import summary

    async def work(session: Any) -> dict[str, Any]:
        return await summary(session, await command_line_member(session, code))

    figures = await with_session(settings_for(database_url), work)
    if output == "json":
        click.echo(json.dumps(figures, indent=2, ensure_ascii=False))
        return
    countries = figures["countries"]
    click.echo(f"{figures['operation']} {figures['window']['start']} to {figures['window']['end']}: "
               f"{figures['seizures']} seizures, {figures['suspects_arrested']} suspects arrested; "
               f"{countries['reporting']} of {countries['participating']} countries reporting, "
               f"{countries['with_seizures']} with seizures")
    for line in figures["by_term_unit"][:15]:
        click.echo(f"  {line['term']:<4} {line['quantity']:>12,.1f} {line['unit']:<7} in {line['seizures']} seizures")




def write_output(content: bytes, output: str | None, fmt: str) -> None:
    """To the file named, else to standard output (refusing to print a binary format on a terminal)."""
    if output:
        with open(output, "wb") as f:
            f.write(content)
        click.echo(f"{output}: {len(content):,} bytes", err=True)
        return
    stdout = click.get_binary_stream("stdout")
    if fmt in ("pdf", "docx") and stdout.isatty():
        raise click.UsageError(f"a {fmt.upper()} file is not for the terminal: give --output FILE or redirect")
    stdout.write(content)
    stdout.flush()


@report.command("briefing")
@database_option
@click.option("--operation", "code", required=True, help="Operation code.")
@click.option("--kind", required=True, type=click.Choice(["pre", "post", "sitrep"]),
              help="pre-operation briefing, post-operation briefing or daily sitrep.")
@click.option("--format", "fmt", type=click.Choice(["html", "pdf", "docx"]), default="html", show_default=True)
@click.option("--lang", type=click.Choice(["en", "fr", "es"]), default="en", show_default=True)
@click.option("--edition", type=click.Choice(["restricted", "shareable"]), default=None,
              help="Pre-operation briefing only: restricted (default, with the focal-point directory) or shareable.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="File to write; standard output when omitted.")
@run_async
async def report_briefing(database_url: str, code: str, kind: str, fmt: str, lang: str, edition: str | None,
                          output: str | None) -> None:
    """Generate a briefing; it is also kept in the operation's documents with its provenance."""
    from opsplatform.briefings.services import generate
    from opsplatform.database import utcnow

    settings = settings_for(database_url)

    async def work(session: Any) -> bytes:
        artifact = await generate(session, settings, await command_line_member(session, code), kind=kind, fmt=fmt,
                                  lang=lang, edition=edition, now=utcnow())
        await session.commit()
        return artifact.content

    write_output(await with_session(settings, work), output, fmt)


@report.command("release")
@database_option
@click.option("--operation", "code", required=True, help="Operation code.")
@click.option("--format", "fmt", required=True, type=click.Choice(["html", "pdf", "json", "csv"]))
@click.option("--lang", type=click.Choice(["en", "fr", "es"]), default="en", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="File to write; standard output when omitted.")
@run_async
async def report_release(database_url: str, code: str, fmt: str, lang: str, output: str | None) -> None:
    """The public results release as it stands: published, approved (frozen figures) or a draft marked as such."""
    from opsplatform.releases.state import ReleaseState
    from opsplatform.releases.workflow import release_of

    settings = settings_for(database_url)

    async def work(session: Any) -> bytes:
        operation = await operation_by_code(session, code)
        state = await ReleaseState.of(session, operation, await release_of(session, operation))
        content, _filename = await state.export(session, fmt, lang, policy.command_line())
        await session.commit()
        return content

    write_output(await with_session(settings, work), output, fmt)


report.add_command(annual_illegal_trade)
