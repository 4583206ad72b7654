"""Migrations from empty on both databases, and the settings that guard production."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import inspect as sa_inspect

from opsplatform.database import current_revision, head_revision, make_engine, upgrade
from opsplatform.models import metadata
from opsplatform.settings import SettingsError, describe, load


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
