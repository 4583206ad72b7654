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
    """Re-encrypt every stored nominal value with the newest key (the first of OPSPLATFORM_NOMINAL_KEYS), and
    recompute the document-number hashes with OPSPLATFORM_MATCH_KEY (second-factor secrets and the kept answers of
    API creates are re-encrypted too)."""
    from sqlalchemy import select

    from opsplatform.crypto import decrypt, document_hash, rotate
    from opsplatform.models.auth import IdempotentRequest, User
    from opsplatform.models.seizures import Suspect

    settings = settings_for(database_url)

    async def work(session: Any) -> tuple[int, int]:
        suspects = (await session.scalars(select(Suspect))).all()
        for suspect in suspects:
            for column in ("name_encrypted", "date_of_birth_encrypted", "document_number_encrypted"):
                setattr(suspect, column, rotate(settings, getattr(suspect, column)))
            suspect.document_hash = document_hash(settings, decrypt(settings, suspect.document_number_encrypted))
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

