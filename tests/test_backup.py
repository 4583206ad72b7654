"""`opsplatform db backup` and `db restore`: a round trip gives back every row, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import delete, func, select

from opsplatform.models import metadata
from opsplatform.models.seizures import Suspect
from opsplatform.seizures import services
from opsplatform.seizures.imports import import_sheet
from tests.results_support import IVORY, active_operation, member
from tests.test_cli import opsplatform
from tests.test_imports import ROWS, semicolon_csv

SEIZURE_TABLES = ("seizures", "seizure_items", "suspects")


async def table_counts(db) -> dict[str, int]:
    return {name: await db.scalar(select(func.count()).select_from(table)) for name, table in metadata.tables.items()}


async def seizure_checksum(db) -> str:
    """SHA-256 over every row and column of the seizure tables, in id order."""
    digest = hashlib.sha256()
    for name in SEIZURE_TABLES:
        table = metadata.tables[name]
        for row in (await db.execute(select(table).order_by(table.c.id))).all():
            digest.update(json.dumps([str(v) for v in row]).encode())
    return digest.hexdigest()


async def test_backup_and_restore_give_back_every_row(database_url, db, cast, settings, tmp_path):
    operation = await active_operation(db)
    await services.create_seizure(db, settings, await member(db, cast.kenya, operation), IVORY)
    await db.commit()
    await import_sheet(db, await member(db, cast.kenya, operation), "KEN", semicolon_csv(ROWS), "kenya.csv")
    before_counts, before_sum = await table_counts(db), await seizure_checksum(db)
    assert before_counts["seizures"] == 3 and before_counts["suspects"] == 1
    await db.commit()

    backup_file = tmp_path / "opsplatform.backup"
    code, out, err = await opsplatform("db", "backup", "--database-url", database_url, "--output", str(backup_file))
    assert code == 0, err
    assert backup_file.stat().st_size > 0 and "backup written" in out

    # Life goes on after the backup: a new seizure, a suspect removed.
    await services.create_seizure(db, settings, await member(db, cast.kenya, operation),
                                  {**IVORY, "seizure_ref": "KE-LATER"})
    await db.execute(delete(Suspect))
    await db.commit()
    assert await seizure_checksum(db) != before_sum
    await db.close()

    code, out, err = await opsplatform("db", "restore", "--database-url", database_url, str(backup_file))
    assert code == 0, err
    assert "restored" in out and "db upgrade" not in out
    assert await table_counts(db) == before_counts
    assert await seizure_checksum(db) == before_sum
    # Ids keep counting from where the backup left off, so a new record never collides.
    await services.create_seizure(db, settings, await member(db, cast.kenya, operation),
                                  {**IVORY, "seizure_ref": "KE-AFTER"})
    await db.commit()


async def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(database_url, db, cast, tmp_path):
    before = await table_counts(db)
    await db.close()
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a backup\n")
    code, _, err = await opsplatform("db", "restore", "--database-url", database_url, str(bogus))
    assert code == 1 and "file: " in err and "is not a" in err
    assert await table_counts(db) == before


async def test_backup_into_a_missing_folder_is_refused(database_url, tmp_path):
    code, _, err = await opsplatform("db", "backup", "--database-url", database_url,
                                     "--output", str(tmp_path / "no" / "such" / "folder.backup"))
    assert code == 1 and "output: the folder" in err


async def test_backup_without_output_is_a_usage_error(database_url):
    code, _, err = await opsplatform("db", "backup", "--database-url", database_url)
    assert code == 2 and "--output" in err


async def test_backup_of_a_missing_sqlite_file_is_refused(tmp_path):
    code, _, err = await opsplatform("db", "backup", "--database-url", f"sqlite+aiosqlite:///{tmp_path}/none.db",
                                     "--output", str(tmp_path / "x.backup"))
    assert code == 1 and "no database file" in err
    assert not (tmp_path / "none.db").exists()

