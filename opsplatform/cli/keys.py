"""`opsplatform keys …`: the keys of nominal data."""

from __future__ import annotations

from typing import Any

import click

from opsplatform.cli.tools import database_option, run_async, settings_for, with_session


@click.group()
def keys() -> None:
    """Keys that encrypt nominal data."""


@keys.command("generate")
@database_option
def keys_generate(database_url: str) -> None:
    """Print a new key for OPSPLATFORM_NOMINAL_KEYS (the database is not used; the option is taken like everywhere)."""
    from opsplatform.crypto import generate_key

    click.echo(generate_key())


@keys.command("rotate")
@database_option
@run_async
async def keys_rotate(database_url: str) -> None:
    """Re-encrypt every stored nominal value (suspects, companies, records' case files) with the newest key (the first
    of OPSPLATFORM_NOMINAL_KEYS), and recompute the document-number hashes with OPSPLATFORM_MATCH_KEY (second-factor
    secrets and the kept answers of API creates are re-encrypted too)."""
    from sqlalchemy import or_, select

    from opsplatform.crypto import decrypt, document_hash, rotate
    from opsplatform.models.auth import IdempotentRequest, User
    from opsplatform.models.seizures import (
        COMPANY_NOMINAL,
        SEIZURE_NOMINAL,
        SUSPECT_NOMINAL,
        Seizure,
        SeizureCompany,
        Suspect,
    )
    from opsplatform.seizures.nominal import rotated

    settings = settings_for(database_url)

    async def work(session: Any) -> tuple[int, int]:
        suspects = (await session.scalars(select(Suspect))).all()
        for suspect in suspects:
            rotated(settings, suspect, SUSPECT_NOMINAL)
            suspect.document_hash = document_hash(settings, decrypt(settings, suspect.document_number_encrypted))
        for company in (await session.scalars(select(SeizureCompany))).all():
            rotated(settings, company, COMPANY_NOMINAL)
        # Only the records whose case file holds nominal data: most hold none.
        for seizure in (await session.scalars(select(Seizure).where(or_(
                *(getattr(Seizure, f"{name}_encrypted").is_not(None) for name in SEIZURE_NOMINAL))))).all():
            rotated(settings, seizure, SEIZURE_NOMINAL)
        users = (await session.scalars(select(User).where(User.totp_secret_encrypted.is_not(None)))).all()
        for user in users:
            user.totp_secret_encrypted = rotate(settings, user.totp_secret_encrypted)
        for kept in (await session.scalars(select(IdempotentRequest))).all():
            kept.answer = rotate(settings, kept.answer)
        await session.commit()
        return len(suspects), len(users)

    suspects, secrets = await with_session(settings, work)
    click.echo(f"{suspects} suspect records (their document hashes recomputed) and {secrets} second-factor secrets "
               "re-encrypted with the newest key")

