"""The `opsplatform` command line (docs/reference.md), one module per command group. Exit codes: 0 success, 1 rejected
input, 2 usage error."""

from __future__ import annotations

import click

from opsplatform import wiring
from opsplatform.cli import accounts, database, imports, keys, operations, reference, report, serving, tasks, team


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="opsplatform")
def main() -> None:
    """opsplatform: coordination of international wildlife-enforcement operations."""
    wiring.install()


operations.operations.add_command(team.team)
for command in (serving.serve, serving.demo, database.db, reference.reference, accounts.users, accounts.tokens,
                operations.operations, imports.import_, report.report, tasks.tasks, keys.keys):
    main.add_command(command)
