"""The Litestar application: `create_app(settings)` wires settings, database, auth, templates and routes."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from opsplatform import __version__, paths, wiring
from opsplatform.database import make_engine, make_sessionmaker
from opsplatform.errors import ScrubbingFormatter
from opsplatform.rendering.templates import environment
from opsplatform.scheduler import start_scheduler, start_workers
from opsplatform.settings import Settings, load
from opsplatform.web import access, api_schema, errors, flash, headers, redirects
from opsplatform.web.api.account import AccountApi
from opsplatform.web.api.cases import CaseApi, CaseReportApi
from opsplatform.web.api.operations import OperationApi
from opsplatform.web.api.results import ReportingApi
from opsplatform.web.api.seizures import SeizureApi
from opsplatform.web.authentication import AuthenticationMiddleware
from opsplatform.web.csrf import CsrfMiddleware
from opsplatform.web.gate import UploadLimit, gate
from opsplatform.web.pages.account import AccountController, LoginController, PasswordController
from opsplatform.web.pages.admin import AdminController
from opsplatform.web.pages.analysis import AnalysisController
from opsplatform.web.pages.cases import CaseOperationController
from opsplatform.web.pages.documents import DocumentController
from opsplatform.web.pages.help import help_image, help_link, help_page
from opsplatform.web.pages.home import HomeController, favicon, health
from opsplatform.web.pages.imports import ImportController
from opsplatform.web.pages.jobs import JobsController
from opsplatform.web.pages.messages import MessageController
from opsplatform.web.pages.notifications import NotificationController
from opsplatform.web.pages.operations import OperationController, taxa_search
from opsplatform.web.pages.records import CaseRecordController
from opsplatform.web.pages.releases import PublicReleaseController, ReleaseController
from opsplatform.web.pages.reports import CaseReportController
from opsplatform.web.pages.results import DashboardController
from opsplatform.web.pages.seizure_files import SeizureFileController
from opsplatform.web.pages.seizures import SeizureController
from opsplatform.web.pages.team import TeamController
from opsplatform.web.request_db import provide_db, provide_reads

# Responses already packed (spreadsheets, PDFs, Word files, images, downloads of stored files) are not compressed again.
PACKED = [r"\.(xlsx|pdf|docx|png|jpe?g|gif|webp|zip)$", r"^/documents/", r"/attachments/", r"/file$"]
MAX_UPLOAD = 60 * 1024 * 1024  # a 50,000-row seizure sheet is 5-10 MB; leave room for larger ones


def server_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn serves the app: forwarded headers believed only from the proxies named in settings (by default
    uvicorn would believe any client on 127.0.0.1)."""
    return {"proxy_headers": bool(settings.trusted_proxies), "forwarded_allow_ips": settings.trusted_proxies}


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load()
    wiring.install()
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size, pool_timeout=settings.db_pool_timeout)
    replica = make_engine(settings.read_database_url, pool_size=settings.db_pool_size,
                          pool_timeout=settings.db_pool_timeout, read_only=True) if settings.read_database_url else None

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        scheduler = start_scheduler(app.state) if settings.scheduler_enabled else None
        dispatcher = start_workers(app.state)
        # What starting made lives as long as the process: kept out of the collector's full passes, which otherwise
        # walk all of it (350,000 objects) now and then in the middle of a request: 170 ms on a map page.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            if dispatcher is not None:
                dispatcher.cancel()
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            await engine.dispose()
            if replica is not None:
                await replica.dispose()

    template_engine = JinjaTemplateEngine.from_environment(environment())
    template_engine.register_template_callable("flashes", lambda ctx: flash.read(ctx["request"]))
    template_engine.register_template_callable("may", access.may)
    template_engine.register_template_callable("help_link", help_link)
    template_engine.register_template_callable(  # Litestar's, with the format of a route served in several
        "url_for", lambda ctx, route, /, **params: redirects.url_for(ctx["request"].app, route, **params))
    return Litestar(
        route_handlers=[
            LoginController, PasswordController, AccountController, AdminController, HomeController, AccountApi,
            OperationController, TeamController, OperationApi, taxa_search, SeizureApi,
            SeizureController, SeizureFileController, ImportController, ReportingApi,
            DashboardController, DocumentController, ReleaseController, PublicReleaseController, JobsController,
            NotificationController, CaseApi, CaseReportApi, CaseRecordController, CaseOperationController,
            MessageController, CaseReportController, AnalysisController, help_page, help_image,
            health, favicon, create_static_files_router("/static", directories=[paths.STATIC], name="static",
                                               include_in_schema=False),
        ],
        state=State({"settings": settings, "engine": engine, "sessionmaker": make_sessionmaker(engine),
                     "read_sessionmaker": make_sessionmaker(replica or engine)}),
        dependencies={"db": Provide(provide_db), "reads": Provide(provide_reads),
                      **access.DEPENDENCIES},
        # Who asks first (the language of any refusal), then an upload too large for its route, before the CSRF
        # check reads a form's body.
        middleware=[DefineMiddleware(AuthenticationMiddleware,
                                     exclude=["^/static/", "^/health$", "^/favicon.ico$", "^/schema"]),
                    UploadLimit(), CsrfMiddleware(secret=settings.effective_secret_key, secure=settings.production)],
        template_config=TemplateConfig(instance=template_engine),
        plugins=[HTMXPlugin()],
        # Pages, JSON and CSV shrink five- to tenfold on a slow line; files already packed are sent as they are.
        compression_config=CompressionConfig(backend="brotli", brotli_quality=5, gzip_compress_level=6,
                                             minimum_size=1024, exclude=PACKED),
        before_request=gate,
        before_send=[flash.before_send, headers.before_send],
        exception_handlers=errors.HANDLERS,
        openapi_config=OpenAPIConfig(title="opsplatform API", version=__version__, path="/schema",
                                     render_plugins=[ScalarRenderPlugin()], components=api_schema.COMPONENTS,
                                     security=api_schema.SECURITY,
                                     operation_id_creator=api_schema.operation_id_creator),
        # Errors are logged by the error layer (web/errors.py), tracebacks scrubbed of what was sent.
        logging_config=LoggingConfig(log_exceptions="never", formatters={"standard": {
            "()": ScrubbingFormatter, "format": "%(levelname)s - %(asctime)s - %(name)s - %(message)s"}}),
        lifespan=[lifespan],
        request_max_body_size=MAX_UPLOAD,
        debug=False,
    )
