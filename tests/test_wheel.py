"""The wheel is the whole app: built from this checkout, installed into a fresh virtual environment outside it, it
migrates a new database, loads the reference data, serves the login page (in French too) and the API's document.

The fresh environment borrows the test environment's dependencies through a path file, but not its editable
opsplatform: the one imported is the wheel's, which the first check proves.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import time
import venv
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import pytest_asyncio

from tests.pgcluster import free_port

CHECKOUT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh environment that has the wheel installed."""
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(folder / "dist"), str(CHECKOUT)], check=True, cwd=folder)
    wheel = next((folder / "dist").glob("opsplatform-*.whl"))
    environment = folder / "env"
    venv.create(environment, with_pip=False)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(environment), "platbase": str(environment)}))
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    python = environment / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    str(wheel)], check=True, cwd=folder)
    return environment / "bin"


@pytest_asyncio.fixture(params=["sqlite", "postgresql"])
async def empty_database(request: pytest.FixtureRequest, templates: dict[str, str | None],
                         tmp_path: Path) -> AsyncIterator[str]:
    """A database with nothing in it, as a new installation starts."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"
        return
    server = templates["postgresql"]
    if server is None:
        pytest.skip("PostgreSQL server binaries missing")
    admin = server.replace("postgresql+asyncpg", "postgresql") + "/postgres"
    name = f"ops_wheel_{os.getpid()}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    yield f"{server}/{name}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


def test_the_installed_wheel_migrates_loads_and_serves(installed: Path, empty_database: str, tmp_path: Path):
    env = {**os.environ, "OPSPLATFORM_DATABASE_URL": empty_database, "PYTHONPATH": ""}

    def run(*args: str) -> str:
        done = subprocess.run([str(installed / "opsplatform"), *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout

    where = subprocess.run([str(installed / "python"), "-c", "import opsplatform; print(opsplatform.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout
    assert Path(where).is_relative_to(installed.parent) and not Path(where).is_relative_to(CHECKOUT), where
    run("db", "upgrade")
    run("reference", "load")
    port = free_port()
    server = subprocess.Popen([str(installed / "opsplatform"), "serve", "--port", str(port)], cwd=tmp_path, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/health", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else "the server stopped"
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        login = httpx.get(f"{base}/login")
        assert login.status_code == 200 and 'name="password"' in login.text, login.text[:500]
        french = httpx.get(f"{base}/login", headers={"Accept-Language": "fr"})
        assert "Mot de passe" in french.text
        style = httpx.get(f"{base}/static/css/app.css")
        assert style.status_code == 200
        document = httpx.get(f"{base}/schema/openapi.json").json()
        assert "/api/v1/operations/{code}/seizures" in document["paths"]
    finally:
        server.terminate()
        server.wait(timeout=30)
