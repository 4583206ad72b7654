"""The command line of docs/reference.md, run as a user runs it: a separate process, exit codes, output."""

from __future__ import annotations

import asyncio
import sys

import pytest
from sqlalchemy import func, select

from opsplatform.database import current_revision, head_revision, make_engine
from opsplatform.models.auth import ApiToken, User
from opsplatform.settings import DEFAULT_DATABASE_URL
from tests.conftest import csrf_of


async def opsplatform(*args: str, stdin: str | bytes | None = None, cwd: str | None = None) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "opsplatform", *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, cwd=cwd)
    out, err = await process.communicate(stdin.encode() if isinstance(stdin, str) else stdin)
    return process.returncode, out.decode(), err.decode()


async def test_users_create_with_password_from_stdin(database_url, db, client):
    code, out, err = await opsplatform("users", "create", "--database-url", database_url, "--email", "Fp@Kws.Test",
                                       "--name", "Wanjiru", "--role", "focal_point", "--country", "KEN",
                                       "--password-stdin", stdin="a long enough secret\n")
    assert code == 0, err
    assert "created focal_point fp@kws.test" in out and "password:" not in out
    user = await db.scalar(select(User).where(User.email == "fp@kws.test"))
    assert (user.country_code, user.role) == ("KEN", "focal_point")
    login = await client.post("/login", data={"email": "fp@kws.test", "password": "a long enough secret",
                                              "_csrf_token": await csrf_of(client)})
    assert login.status_code in (302, 303)


async def test_users_create_refuses_a_password_that_is_not_utf8_text_in_one_line(database_url, db):
    code, _, err = await opsplatform("users", "create", "--database-url", database_url, "--email", "fp@kws.test",
                                     "--name", "Wanjiru", "--role", "analyst", "--password-stdin",
                                     stdin="mot de passe très long\n".encode("latin-1"))
    assert code == 1 and "Traceback" not in err, err
    assert "password: standard input is not UTF-8 text; type the password again in UTF-8" in err.splitlines()
    assert await db.scalar(select(func.count()).select_from(User)) == 0


async def test_users_create_without_password_prints_a_generated_one(database_url):
    code, out, _ = await opsplatform("users", "create", "--database-url", database_url, "--email", "a@b.test",
                                     "--name", "Analyst", "--role", "analyst")
    assert code == 0 and "password: " in out


@pytest.mark.parametrize("args,message", [
    (["--role", "focal_point"], "country: is required for a focal point"),
    (["--role", "focal_point", "--country", "XXX"], "country: unknown country code XXX"),
    (["--role", "analyst", "--network", "ASEAN-WEN"], "network: only a coordinator can be limited to a network"),
])
async def test_users_create_rejects_bad_input_with_exit_1_and_creates_nothing(database_url, db, args, message):
    code, _, err = await opsplatform("users", "create", "--database-url", database_url, "--email", "x@y.test",
                                     "--name", "X", *args)
    assert code == 1 and message in err
    assert await db.scalar(select(func.count()).select_from(User)) == 0


async def test_unknown_role_is_a_usage_error(database_url):
    code, _, err = await opsplatform("users", "create", "--database-url", database_url, "--email", "x@y.test",
                                     "--name", "X", "--role", "boss")
    assert code == 2 and "--role" in err


async def test_tokens_create_prints_the_token_alone_on_the_last_line(database_url, cast, client, db):
    code, out, err = await opsplatform("tokens", "create", "--database-url", database_url,
                                       "--email", cast.kenya.email, "--name", "national system")
    assert code == 0, err
    token = out.strip().splitlines()[-1]
    assert " " not in token and token.startswith("ops_")
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["email"] == cast.kenya.email
    assert await db.scalar(select(ApiToken.name)) == "national system"


async def test_tokens_create_for_an_unknown_user_fails(database_url):
    code, _, err = await opsplatform("tokens", "create", "--database-url", database_url, "--email", "no@one.test")
    assert code == 1 and "no account" in err


async def test_db_upgrade_migrates_an_empty_database(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/empty.db"
    code, out, err = await opsplatform("db", "upgrade", "--database-url", url)
    assert code == 0, err
    engine = make_engine(url)
    assert await current_revision(engine) == head_revision()
    await engine.dispose()


async def test_the_default_database_is_the_local_sqlite_file(tmp_path):
    assert DEFAULT_DATABASE_URL == "sqlite+aiosqlite:///./opsplatform.db"
    code, _, err = await opsplatform("db", "upgrade", cwd=str(tmp_path))
    assert code == 0, err
    assert (tmp_path / "opsplatform.db").exists()


async def test_serve_refuses_an_unmigrated_database(tmp_path):
    code, _, err = await opsplatform("serve", "--database-url", f"sqlite+aiosqlite:///{tmp_path}/new.db")
    assert code == 1 and "opsplatform db upgrade" in err
