"""Migrations from empty on both databases, an upgrade that keeps what was recorded, and the settings that guard
production."""

from __future__ import annotations

import asyncio

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, func, inspect as sa_inspect, literal, select, text

from opsplatform import database
from opsplatform.app import create_app
from opsplatform.auth.services import create_user
from opsplatform.crypto import encrypt
from opsplatform.database import current_revision, head_revision, make_engine, upgrade
from opsplatform.models import metadata
from opsplatform.models.seizures import Seizure, SeizureCompany
from opsplatform.settings import Settings, SettingsError, describe, load
from tests.migration_support import operation_as_then, reference_as_then, stored_as_then, upgraded
from tests.pgcluster import free_port
from tests.results_support import active_operation, bearer, statements_run


async def test_migrations_from_empty_create_every_table(postgres_server, tmp_path):
    urls = [f"sqlite+aiosqlite:///{tmp_path}/fresh.db"]
    if postgres_server:
        import asyncpg
        conn = await asyncpg.connect(postgres_server.replace("postgresql+asyncpg", "postgresql") + "/postgres")
        await conn.execute("DROP DATABASE IF EXISTS ops_fresh")
        await conn.execute("CREATE DATABASE ops_fresh")
        await conn.close()
        urls.append(f"{postgres_server}/ops_fresh")
    for url in urls:
        await asyncio.to_thread(upgrade, url)
        engine = make_engine(url)
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: sa_inspect(c).get_table_names()))
        assert set(metadata.tables) <= tables, url
        assert await current_revision(engine) == head_revision()
        await engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_the_ecomessage_upgrade_keeps_every_record_and_a_suspects_whole_name(kind, postgres_server, tmp_path):
    """0016 adds the Ecomessage's items empty: a record made before keeps its values, and its suspect's whole name
    (encrypted then) reads as its family name in the Ecomessage, for the cleared."""
    if kind == "postgresql" and not postgres_server:
        pytest.skip("PostgreSQL server binaries missing")
    url = f"sqlite+aiosqlite:///{tmp_path}/0015.db" if kind == "sqlite" else await fresh_postgres(postgres_server,
                                                                                                   "ops_0015")
    settings = Settings(database_url=url, scheduler_enabled=False, smtp_port=free_port())
    async with upgraded(url, "0015") as db:
        await reference_as_then(db)
        kenya = await create_user(db, email="wanjiru@kws.test", name="Wanjiru", role="focal_point", country="KEN",
                                  cleared_for_nominal=True)
        operation_id = await operation_as_then(db)
        suspect = {"nationality": "VNM", "sex": "male", "role": "courier",
                   "name_encrypted": encrypt(settings, "Tran Van A")}
        record_id = await stored_as_then(db, operation_id, kenya.id, suspects=(suspect,))
    async with upgraded(url) as db:
        headers = await bearer(db, kenya)
        assert await db.scalar(select(func.count()).select_from(SeizureCompany)) == 0
    async with AsyncTestClient(app=create_app(settings)) as client:
        record = (await client.get(f"/api/v1/operations/THUNDER-2026/seizures/{record_id}", headers=headers)).json()
        assert (record["location"], record["carrier"], record["items"][0]["specimen_state"]) == \
            ("JKIA cargo terminal", None, None)
        assert (record["suspects"][0]["name"], record["suspects"][0]["family_name"]) == ("Tran Van A", None)
        html = (await client.get(f"/api/v1/operations/THUNDER-2026/seizures/{record_id}/ecomessage.html",
                                 headers=headers)).text
        assert "Tran Van A (the whole name, as recorded)" in html


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_the_upgrade_writes_stored_references_as_they_read_unless_another_record_has_it(kind, postgres_server,
                                                                                              tmp_path):
    """0025: a reference stored with a character no one sees, or full-width, is written as it reads (as input now
    writes it), each change in the audit log; one that would then equal another record's stays as it is."""
    if kind == "postgresql" and not postgres_server:
        pytest.skip("PostgreSQL server binaries missing")
    url = f"sqlite+aiosqlite:///{tmp_path}/0024.db" if kind == "sqlite" else await fresh_postgres(postgres_server,
                                                                                                   "ops_0024")
    # Left as they are: one reading as an earlier record's, one reading as nothing, one longer than a reference may be.
    stored = {"KE-\u200b7": "KE-7", "ＫＥ－７": "ＫＥ－７", "KE-8\ufeff": "KE-8", "KE-9": "KE-9",
              "KE-\u00ad9": "KE-\u00ad9", "\u200b": "\u200b", "\ufdfa" * 6: "\ufdfa" * 6}
    async with upgraded(url, "0024") as db:
        await reference_as_then(db)
        kenya = await create_user(db, email="wanjiru@kws.test", name="Wanjiru", role="focal_point", country="KEN")
        operation_id = await operation_as_then(db)
        ids = {}
        for ref in stored:  # in this order: the first of two that read the same takes the reference
            ids[ref] = await stored_as_then(db, operation_id, kenya.id)
            await db.execute(text("UPDATE seizures SET seizure_ref = :ref WHERE id = :id"),
                             {"ref": ref, "id": ids[ref]})
        await db.execute(text(
            "INSERT INTO seizure_links (operation_id, kind, seizure_id, other_seizure_ref, requesting_country, "
            "other_country, status, requested_at) VALUES (:op, 'same_shipment', :id, 'TZ-\u200b1', 'KEN', 'TZA', "
            "'pending', :at)"), {"op": operation_id, "id": ids["KE-9"], "at": database.utcnow()})
    async with upgraded(url) as db:
        now = dict((await db.execute(select(Seizure.id, Seizure.seizure_ref))).all())
        assert {ref: now[ids[ref]] for ref in stored} == stored
        assert await db.scalar(text("SELECT other_seizure_ref FROM seizure_links")) == "TZ-1"
        logged = (await db.execute(text("SELECT entity, entity_id FROM audit_events WHERE actor = 'migration 0025' "
                                        "ORDER BY entity, entity_id"))).all()
        assert {tuple(row) for row in logged} == {("seizures", str(ids["KE-\u200b7"])),
                                                  ("seizures", str(ids["KE-8\ufeff"])), ("seizure_links", "1")}


async def fresh_postgres(server: str, name: str) -> str:
    import asyncpg

    conn = await asyncpg.connect(server.replace("postgresql+asyncpg", "postgresql") + "/postgres")
    await conn.execute(f"DROP DATABASE IF EXISTS {name}")
    await conn.execute(f"CREATE DATABASE {name}")
    await conn.close()
    return f"{server}/{name}"


@pytest.mark.filterwarnings("ignore:.*expression-based index")  # SQLite's are not reflected; PostgreSQL compares them
async def test_the_models_match_the_migrations(database_url):
    """A model change without a migration fails here (Alembic's autogenerate finds no difference)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = make_engine(database_url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), metadata))
    await engine.dispose()
    assert diff == []


def test_production_refuses_to_start_without_secrets(monkeypatch):
    monkeypatch.setenv("OPSPLATFORM_MODE", "production")
    monkeypatch.delenv("OPSPLATFORM_SECRET_KEY", raising=False)
    with pytest.raises(SettingsError, match="OPSPLATFORM_SECRET_KEY"):
        load()
    monkeypatch.setenv("OPSPLATFORM_SECRET_KEY", "x" * 40)
    with pytest.raises(SettingsError, match="OPSPLATFORM_NOMINAL_KEYS"):
        load()
    monkeypatch.setenv("OPSPLATFORM_NOMINAL_KEYS", "k")
    with pytest.raises(SettingsError, match="OPSPLATFORM_MATCH_KEY"):
        load()
    monkeypatch.setenv("OPSPLATFORM_MATCH_KEY", "m" * 40)
    assert load().production


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("OPSPLATFORM_SMTP_PORT", "2525")
    monkeypatch.setenv("OPSPLATFORM_SCHEDULER", "0")
    monkeypatch.setenv("OPSPLATFORM_DEFAULT_LANGUAGE", "fr")
    settings = load()
    assert (settings.smtp_port, settings.scheduler_enabled, settings.default_language) == (2525, False, "fr")
    monkeypatch.setenv("OPSPLATFORM_DEFAULT_LANGUAGE", "de")
    with pytest.raises(SettingsError, match="OPSPLATFORM_DEFAULT_LANGUAGE"):
        load()


def test_every_setting_is_documented():
    for variable, _default, doc in describe():
        assert variable.startswith("OPSPLATFORM_") and len(doc) > 20, variable


# SQLite's connections are files: no server ends them, so these ask PostgreSQL only.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_connection_the_server_ended_while_idle_is_replaced_before_a_request_uses_it(database_url,
                                                                                          monkeypatch):
    """A pooled connection idle long enough is tried first; one the server ended (a restart, an idle timeout) is
    replaced, and the request never sees it. One handed out again at once is not tried (three round trips)."""
    engine = make_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            first = await connection.scalar(text("SELECT pg_backend_pid()"))
        async with engine.connect() as connection:  # at once: the same connection, untried
            assert await connection.scalar(text("SELECT pg_backend_pid()")) == first
        admin = make_engine(database_url)
        async with admin.connect() as connection:
            assert await connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        await admin.dispose()
        monkeypatch.setattr(database, "IDLE_PING_SECONDS", 0.0)  # as if it had sat idle
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT pg_backend_pid()")) != first
    finally:
        await engine.dispose()


# SQLite's connections are files: no server ends them, so these ask PostgreSQL only.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_request_whose_database_connection_was_lost_is_told_to_come_back(client, database_url, db, cast):
    """The server ends the app's connections (a restart, a failover) while they are fresh in the pool: the request
    that meets a dead one is answered 503 with Retry-After, not 500, and the next one gets a new connection."""
    headers = await bearer(db, cast.kenya)
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200  # a connection now in the pool
    own = await db.scalar(text("SELECT pg_backend_pid()"))
    await db.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                          "AND pid <> :own"), {"own": own})
    lost = await client.get("/api/v1/me", headers=headers)
    assert lost.status_code == 503 and lost.headers["retry-after"] == "5"
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200


async def test_a_bulk_insert_gives_each_row_its_id_in_row_order_without_a_statement_per_row(db, cast):
    """Regression: on SQLite every row was an INSERT of its own (SQLAlchemy cannot trust the order of a multi-row
    RETURNING there), 6 of the 10 s of a 50,000-row import."""
    operation = await active_operation(db)
    now = database.utcnow()
    rows = [{"operation_id": operation.id, "reporting_country": "KEN", "seizure_ref": f"KE-BULK-{n}",
             "seizure_date": operation.start_date, "transit_countries": [], "suspect_nationalities": [],
             "suspects_arrested": 0, "status": "submitted", "version": 1, "created_at": now, "updated_at": now,
             "shared_with_participants": False, "publicity_approved": False} for n in range(300)]
    await database.bulk_insert(db, Seizure.__table__, rows[:5], ids=True)
    await db.execute(delete(Seizure).where(Seizure.seizure_ref == "KE-BULK-4"))  # the largest id is free again
    with statements_run() as sent:
        new_ids = await database.bulk_insert(db, Seizure.__table__, rows[5:], ids=True)
    await db.commit()
    stored = dict((await db.execute(select(Seizure.id, Seizure.seizure_ref))).all())
    assert [stored[i] for i in new_ids] == [row["seizure_ref"] for row in rows[5:]]
    assert len(stored) == 299
    assert len([s for s in sent if s.startswith("INSERT")]) <= 2, sent[:3]


async def test_a_fixed_list_written_into_a_statement_keeps_its_values_as_they_are(db, cast):
    """`one_of` writes its values into the SQL text: a quote in one is doubled, never read as the end of the value."""
    for value, expected in (("it's", True), ("it", False), ("x') OR ('1'='1", False), ("validated", True)):
        assert bool(await db.scalar(select(database.one_of(literal(value), ["it's", "validated"])))) is expected
