"""`opsplatform report annual-illegal-trade`: the CITES annual illegal trade report of a country and year."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from opsplatform import policy
from opsplatform.cli.tools import database_option, run_async, settings_for, with_session
from opsplatform.errors import InvalidInput


@click.command("annual-illegal-trade")
@database_option
@click.option("--country", required=True, help="Reporting country (ISO 3166-1 alpha-3).")
@click.option("--year", required=True, type=int, help="Calendar year of the seizures.")
@click.option("--output", "output", required=True, type=click.Path(dir_okay=False), help="XLSX file to write.")
@click.option("--share-with-iccwc/--no-share-with-iccwc", default=True, show_default=True,
              help="Whether the Party lets the CITES Secretariat share the data with ICCWC partners.")
@click.option("--agency", default="", help="Agency preparing the report (printed on the cover sheet).")
@click.option("--contact-name", default="", help="Contact person for the report.")
@click.option("--contact-email", default="", help="The contact's e-mail address.")
@click.option("--contact-phone", default="", help="The contact's telephone number.")
@run_async
async def annual_illegal_trade(database_url: str, country: str, year: int, output: str, share_with_iccwc: bool,
                               agency: str, contact_name: str, contact_email: str, contact_phone: str) -> None:
    """The CITES annual illegal trade report of a country's seizures in a year, in operations and in its national
    register, as XLSX."""
    from opsplatform.cases.annual_report import annual_report, check_request, workbook
    from opsplatform.database import utcnow

    asked = check_request({"country": country, "year": str(year),
                           "share_with_iccwc": "yes" if share_with_iccwc else "no", "agency": agency,
                           "contact_name": contact_name, "contact_email": contact_email,
                           "contact_phone": contact_phone}, utcnow().date())

    async def work(session: Any) -> Any:
        report = await annual_report(session, policy.command_line(), asked)
        if report is None:
            raise InvalidInput.one("country", f"no country {asked.country}")
        return report

    report = await with_session(settings_for(database_url), work)
    Path(output).write_bytes(workbook(report))
    click.echo(f"{len(report.rows)} rows ({report.country_name}, {report.year}) written to {output}")
