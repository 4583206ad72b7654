"""Browser journeys: the app served for real by uvicorn on loopback, a fresh migrated SQLite database, a real SMTP
server (aiosmtpd) catching mail, and Debian's Chromium driven by Playwright.

Run apart from the main suite (`make test` runs both): `pytest tests/browser`. With OPSPLATFORM_SCREENSHOTS=1 the
journeys also refresh the user guides' pictures in docs/images/ (`make screenshots`). When a step fails, a
screenshot of every open page is kept in tests/browser/artifacts/.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from opsplatform.app import create_app
from opsplatform.auth.services import create_user
from opsplatform.database import make_engine, make_sessionmaker, session_scope, upgrade, utcnow
from opsplatform.mail.outbox import deliver_due
from opsplatform.reference.loader import load_all
from opsplatform.settings import Settings
from tests.conftest import Mailbox, body_of
from tests.live_server import serve
from tests.pgcluster import free_port

CHROMIUM = os.environ.get("OPSPLATFORM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = Path(__file__).parent / "artifacts"
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
VIEWPORT = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}  # a common phone, in CSS pixels
COORDINATOR = ("corinne@ops.test", "Corinne Coordinator", "a long coordinator password")
PRESS_OFFICER = ("priya@ops.test", "Priya Press", "a long press office password")


@dataclass
class Site:
    """The running app and what the journeys need to reach around it: its database and its mailbox."""

    base_url: str
    settings: Settings
    mailbox: Mailbox
    browser: Browser
    contexts: list[BrowserContext] = field(default_factory=list)
    measured: dict[str, Any] = field(default_factory=dict)  # figures printed at the end of the journeys

    def run(self, work: Callable[[Any], Any]) -> Any:
        """Run `work(session)` against the app's database, like a CLI command: in a thread with its own event loop
        (Playwright's sync API keeps one running in this thread)."""
        async def go() -> Any:
            engine = make_engine(self.settings.database_url)
            try:
                async with session_scope(make_sessionmaker(engine), actor=(None, "test")) as session:
                    return await work(session)
            finally:
                await engine.dispose()
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, go()).result()

    def deliver_mail(self) -> int:
        """What the scheduler's mail job does every 30 seconds, done now."""
        return self.run(lambda session: deliver_due(session, self.settings, utcnow()))

    def link_in_mail_to(self, address: str) -> str:
        [message] = self.mailbox.to(address)
        return re.search(r"https?://\S+", body_of(message)).group(0)

    def person(self, *, service_workers: str = "allow") -> Page:
        """A new browser profile (own cookies): one per person in the journey."""
        context = self.browser.new_context(base_url=self.base_url, viewport=VIEWPORT, locale="en-GB",
                                           timezone_id="UTC", reduced_motion="reduce",
                                           service_workers=service_workers)
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        return context.new_page()


def picture(page: Page, name: str, *, full_page: bool = False) -> None:
    """A picture for the user guides, refreshed only when asked for (OPSPLATFORM_SCREENSHOTS=1)."""
    if os.environ.get("OPSPLATFORM_SCREENSHOTS"):
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=DOCS_IMAGES / f"{name}.png", full_page=full_page, animations="disabled", caret="hide")


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    database = tmp_path_factory.mktemp("browser") / "journeys.db"
    url = f"sqlite+aiosqlite:///{database}"
    upgrade(url)
    mailbox = Mailbox(free_port())
    smtp = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    smtp.start()
    port = free_port()
    settings = Settings(database_url=url, smtp_port=mailbox.port, public_base_url=f"http://127.0.0.1:{port}",
                        scheduler_enabled=False)

    async def prepare(session: Any) -> None:
        await load_all(session)
        for (email, name, password), role in ((COORDINATOR, "coordinator"), (PRESS_OFFICER, "press_officer")):
            await create_user(session, email=email, name=name, role=role, password=password, organisation="INTERPOL")
        await session.commit()

    with serve(create_app(settings), port) as base_url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        journey_site = Site(base_url, settings, mailbox, browser)
        journey_site.run(prepare)
        try:
            yield journey_site
        finally:
            if journey_site.measured:  # what the journeys measured, for the notes (tests/browser/artifacts/)
                ARTIFACTS.mkdir(exist_ok=True)
                (ARTIFACTS / "measured.json").write_text(json.dumps(journey_site.measured, indent=2))
            for context in journey_site.contexts:
                context.close()
            browser.close()
            smtp.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[Any]:
    """On a failed step, keep a screenshot of every page that is open, named after the test."""
    report = yield
    if report.when == "call" and report.failed and "site" in getattr(item, "funcargs", {}):
        ARTIFACTS.mkdir(exist_ok=True)
        for n, context in enumerate(item.funcargs["site"].contexts):
            for m, page in enumerate(context.pages):
                page.screenshot(path=ARTIFACTS / f"{item.name}-{n}-{m}.png", full_page=True)
    return report
