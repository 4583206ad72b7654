"""Who gets what, for every route of the application: one table, checked against the live route list.

Each row is a route (method and path as the app declares it) and the expected answer for each role:
anonymous, admin, coordinator, focal point (of Kenya), analyst, press officer. `a/b` means a for the focal
point's own country's record (or an operation it takes part in), b for another country's. Answers:
a status code; `login` for a redirect to the login page; `302` for any other redirect.

Write routes get a harmless request: where access is granted the answer is usually 400 (the request body is
deliberately incomplete), which proves the request got past every access check without changing anything.
A route missing from the table fails `test_every_route_has_an_entry`, naming the route.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from opsplatform.app import create_app
from opsplatform.auth.models import User
from opsplatform.auth.services import create_api_token, create_user, start_session
from opsplatform.briefings.services import generate
from opsplatform.database import make_engine, make_sessionmaker, session_scope, utcnow
from opsplatform.operations import focal_points
from opsplatform.operations.models import FocalPoint, Route, Target
from opsplatform.seizures import services as seizure_services
from opsplatform.seizures.models import SheetImport
from opsplatform.settings import Settings
from tests.conftest import password_hash
from tests.pgcluster import free_port
from tests.results_support import IVORY, active_operation, member

ROLES = ("anonymous", "admin", "coordinator", "focal_point", "analyst", "press_officer")

MATRIX: dict[tuple[str, str], str] = {
    # method, path                                                               anon  admin coord fp      analyst press
    ("GET", "/login"):                                                           "200   200   200   200     200     200",
    ("POST", "/login"):                                                          "400   400   400   400     400     400",
    ("POST", "/login/code"):                                                     "login login login login   login   login",
    ("POST", "/logout"):                                                         "login login login login   login   login",
    ("GET", "/password/forgot"):                                                 "200   200   200   200     200     200",
    ("POST", "/password/forgot"):                                                "200   200   200   200     200     200",
    ("GET", "/password/set/{token:str}"):                                        "404   404   404   404     404     404",
    ("POST", "/password/set/{token:str}"):                                       "400   400   400   400     400     400",
    ("POST", "/language"):                                                       "302   302   302   302     302     302",
    ("GET", "/health"):                                                          "200   200   200   200     200     200",
    ("GET", "/favicon.ico"):                                                     "302   302   302   302     302     302",
    ("GET", "/static/{file_path:path}"):                                         "200   200   200   200     200     200",
    ("HEAD", "/static/{file_path:path}"):                                        "200   200   200   200     200     200",
    ("GET", "/schema"):                                                          "200   200   200   200     200     200",
    ("GET", "/schema/{path:str}"):                                               "404   404   404   404     404     404",
    ("GET", "/schema/openapi.json"):                                             "200   200   200   200     200     200",
    ("GET", "/schema/scalar"):                                                   "200   200   200   200     200     200",
    # --- own account
    ("GET", "/"):                                                                "login 200   200   200     200     200",
    ("GET", "/account"):                                                         "login 200   200   200     200     200",
    ("POST", "/account/tokens"):                                                 "login 400   400   400     400     400",
    ("POST", "/account/tokens/{token_id:int}/revoke"):                           "login 404   404   404     404     404",
    ("POST", "/account/second-factor"):                                          "login 302   302   403     403     403",
    ("POST", "/account/second-factor/confirm"):                                  "login 400   400   403     403     403",
    ("POST", "/account/second-factor/disable"):                                  "login 400   400   403     403     403",
    ("GET", "/api/v1/me"):                                                       "401   200   200   200     200     200",
    # --- administration
    ("GET", "/admin"):                                                           "login 302   403   403     403     403",
    ("GET", "/admin/users"):                                                     "login 200   403   403     403     403",
    ("GET", "/admin/users/new"):                                                 "login 200   403   403     403     403",
    ("POST", "/admin/users/new"):                                                "login 400   403   403     403     403",
    ("GET", "/admin/users/{user_id:int}"):                                       "login 200   403   403     403     403",
    ("POST", "/admin/users/{user_id:int}"):                                      "login 400   403   403     403     403",
    ("POST", "/admin/users/{user_id:int}/second-factor/reset"):                  "login 302   403   403     403     403",
    ("GET", "/admin/audit"):                                                     "login 200   403   403     403     403",
    ("GET", "/admin/outbox"):                                                    "login 200   403   403     403     403",
    ("POST", "/admin/outbox/{message_id:int}/retry"):                            "login 404   403   403     403     403",
    ("GET", "/admin/reference"):                                                 "login 200   403   403     403     403",
    ("POST", "/admin/reference/reload"):                                         "login 302   403   403     403     403",
    ("POST", "/admin/reference/checklist"):                                      "login 200   403   403     403     403",
    ("GET", "/jobs"):                                                            "login 200   200   403     403     403",
    ("POST", "/jobs/{name:str}/run"):                                            "login 302   302   403     403     403",
    # --- operations
    ("GET", "/operations/new"):                                                  "login 403   200   403     403     403",
    ("POST", "/operations/new"):                                                 "login 403   400   403     403     403",
    ("GET", "/operations/{code:str}"):                                           "login 403   200   200/404 200     200",
    ("GET", "/operations/{code:str}/edit"):                                      "login 403   200   403     403     403",
    ("POST", "/operations/{code:str}/edit"):                                     "login 403   400   403     403     403",
    ("POST", "/operations/{code:str}/phase"):                                    "login 403   400   403     403     403",
    ("GET", "/operations/{code:str}/clone"):                                     "login 403   200   403     403     403",
    ("POST", "/operations/{code:str}/clone"):                                    "login 403   400   403     403     403",
    ("POST", "/operations/{code:str}/participants"):                             "login 403   400   403     403     403",
    ("POST", "/operations/{code:str}/participants/{country:str}/publicity"):     "login 403   400   403     403     403",
    ("POST", "/operations/{code:str}/participants/{country:str}/remove"):        "login 403   400   403     403     403",
    ("POST", "/operations/{code:str}/sharing"):                                  "login 403   403   302/404 403     403",
    ("POST", "/operations/{code:str}/focal-points"):                             "login 403   400   403     403     403",
    ("POST", "/operations/{code:str}/focal-points/{focal_point_id:int}/{action:str}"): "login 403 302 403   403     403",
    ("POST", "/operations/{code:str}/targets"):                                  "login 403   400   403     403     403",
    ("POST", "/operations/{code:str}/targets/{target_id:int}/remove"):           "login 403   302   403     403     403",
    ("POST", "/operations/{code:str}/routes"):                                   "login 403   400   403     403     403",
    ("POST", "/operations/{code:str}/routes/{route_id:int}/remove"):             "login 403   302   403     403     403",
    ("GET", "/operations/{code:str}/routes-map"):                                "login 403   200   200/404 200     200",
    ("GET", "/taxa/search"):                                                     "login 403   200   200     200     200",
    ("GET", "/api/v1/operations"):                                               "401   403   200   200     200     200",
    ("POST", "/api/v1/operations"):                                              "401   403   400   403     403     403",
    ("GET", "/api/v1/operations/{code:str}"):                                    "401   403   200   200/404 200     200",
    ("PATCH", "/api/v1/operations/{code:str}"):                                  "401   403   400   403     403     403",
    ("POST", "/api/v1/operations/{code:str}/phase"):                             "401   403   400   403     403     403",
    ("GET", "/api/v1/taxa"):                                                     "401   403   200   200     200     200",
    # --- results
    ("GET", "/operations/{code:str}/seizures"):                                  "login 403   200   200/404 200     403",
    ("GET", "/operations/{code:str}/seizures/new"):                              "login 403   200   200/404 403     403",
    ("POST", "/operations/{code:str}/seizures/new"):                             "login 403   400   400/404 403     403",
    ("GET", "/operations/{code:str}/seizures/{seizure_id:int}"):                 "login 403   200   200/404 200     403",
    ("GET", "/operations/{code:str}/seizures/{seizure_id:int}/edit"):            "login 403   200   200/404 403     403",
    ("POST", "/operations/{code:str}/seizures/{seizure_id:int}/edit"):           "login 403   400   400/404 403     403",
    ("POST", "/operations/{code:str}/seizures/{seizure_id:int}/status"):         "login 403   400   400/404 403     403",
    ("POST", "/operations/{code:str}/nil-returns"):                              "login 403   302   302/404 403     403",
    ("GET", "/operations/{code:str}/completeness"):                              "login 403   200   200/404 200     403",
    ("GET", "/operations/{code:str}/imports"):                                   "login 403   200   200/404 403     403",
    ("POST", "/operations/{code:str}/imports"):                                  "login 403   400   400/404 403     403",
    ("GET", "/operations/{code:str}/imports/{import_id:int}"):                   "login 403   200   200/404 403     403",
    ("GET", "/operations/{code:str}/imports/{import_id:int}/file"):              "login 403   200   200/404 403     403",
    ("GET", "/operations/{code:str}/imports/{import_id:int}/report.txt"):        "login 403   200   200/404 403     403",
    ("POST", "/operations/{code:str}/imports/{import_id:int}/run"):              "login 403   302   302/404 403     403",
    ("GET", "/operations/{code:str}/template.xlsx"):                             "login 403   200   200/404 403     403",
    ("GET", "/api/v1/operations/{code:str}/seizures"):                           "401   403   200   200/404 200     403",
    ("POST", "/api/v1/operations/{code:str}/seizures"):                          "401   403   400   400/404 403     403",
    ("GET", "/api/v1/operations/{code:str}/seizures/{seizure_id:int}"):          "401   403   200   200/404 200     403",
    ("PATCH", "/api/v1/operations/{code:str}/seizures/{seizure_id:int}"):        "401   403   400   400/404 403     403",
    ("POST", "/api/v1/operations/{code:str}/seizures/{seizure_id:int}/status"):  "401   403   400   400/404 403     403",
    ("POST", "/api/v1/operations/{code:str}/nil-returns"):                       "401   403   400   400/404 403     403",
    # --- figures
    ("GET", "/operations/{code:str}/dashboard"):                                 "login 403   200   200/404 200     200",
    ("GET", "/operations/{code:str}/map/{kind:str}"):                            "login 403   200   200/404 200     200",
    ("GET", "/operations/{code:str}/export.csv"):                                "login 403   200   200/404 200     403",
    ("GET", "/operations/{code:str}/export.xlsx"):                               "login 403   200   200/404 200     403",
    ("GET", "/operations/{code:str}/export.geojson"):                            "login 403   200   200/404 200     403",
    ("GET", "/api/v1/operations/{code:str}/summary"):                            "401   403   200   200/404 200     200",
    # --- briefings, documents and the public release (a sitrep is the document; a release's name is not published)
    ("GET", "/documents/{artifact_id:int}"):                                      "login   403     200     404     200     404",
    ("GET", "/operations/{code:str}/documents"):                                  "login   403     200     200/404 200     200",
    ("GET", "/operations/{code:str}/release"):                                    "login   403     200     403     403     200",
    ("GET", "/operations/{code:str}/release/export.csv"):                         "login   403     200     403     403     200",
    ("GET", "/operations/{code:str}/release/export.html"):                        "login   403     200     403     403     200",
    ("GET", "/operations/{code:str}/release/export.json"):                        "login   403     200     403     403     200",
    ("GET", "/operations/{code:str}/release/export.pdf"):                         "login   403     200     403     403     200",
    ("GET", "/operations/{code:str}/release/preview"):                            "login   403     200     403     403     200",
    ("GET", "/releases"):                                                         "200     200     200     200     200     200",
    ("GET", "/releases/{name:str}"):                                              "404     404     404     404     404     404",
    ("POST", "/operations/{code:str}/documents"):                                 "login   403     400     403/404 403     403",
    ("POST", "/operations/{code:str}/release"):                                   "login   403     409     403     403     409",
    ("POST", "/operations/{code:str}/release/corrections"):                       "login   403     400     403     403     400",
    ("POST", "/operations/{code:str}/release/{action:str}"):                      "login   403     400     403     403     400",
    # --- notifications and reminders
    ("GET", "/notifications"):                                                    "login   200     200     200     200     200",
    ("POST", "/account/reminders"):                                               "login   302     302     302     302     302",
    ("POST", "/notifications/read"):                                              "login   302     302     302     302     302",
    ("POST", "/notifications/{note_id:int}/open"):                                "login   302     302     302     302     302",
    # --- case exchange (no user here is cleared for nominal data, so matches answer 403)
    ("DELETE", "/api/v1/operations/{code:str}/links/{link_id:int}"):              "401     403     404     404     403     403",
    ("GET", "/api/v1/matches"):                                                   "401     403     403     403     403     403",
    ("GET", "/api/v1/operations/{code:str}/follow-up"):                           "401     403     200     200/404 200     200",
    ("GET", "/api/v1/operations/{code:str}/links"):                               "401     403     200     200/404 200     403",
    ("GET", "/api/v1/operations/{code:str}/messages"):                            "401     403     200     200/404 200     403",
    ("GET", "/api/v1/operations/{code:str}/messages/{message_id:int}"):           "401     403     404     404     404     403",
    ("GET", "/api/v1/operations/{code:str}/messages/{message_id:int}/attachments/{attachment_id:int}"): "401     403     404     404     404     403",
    ("GET", "/api/v1/operations/{code:str}/seizures/{seizure_id:int}/case-events"): "401     403     200     200/404 200     403",
    ("GET", "/api/v1/operations/{code:str}/seizures/{seizure_id:int}/ecomessage.docx"): "401     403     200     200/404 200     403",
    ("GET", "/api/v1/operations/{code:str}/seizures/{seizure_id:int}/ecomessage.html"): "401     403     200     200/404 200     403",
    ("GET", "/api/v1/operations/{code:str}/seizures/{seizure_id:int}/ecomessage.pdf"): "401     403     200     200/404 200     403",
    ("GET", "/api/v1/reports/annual-illegal-trade"):                              "401     403     400     400     400     403",
    ("GET", "/matches"):                                                          "login   403     403     403     403     403",
    ("GET", "/operations/{code:str}/follow-up"):                                  "login   403     200     200/404 200     200",
    ("GET", "/operations/{code:str}/links"):                                      "login   403     200     200/404 200     403",
    ("GET", "/operations/{code:str}/links/network"):                              "login   403     200     403/404 403     403",
    ("GET", "/operations/{code:str}/messages"):                                   "login   403     200     200/404 200     403",
    ("GET", "/operations/{code:str}/messages/{message_id:int}"):                  "login   403     404     404     404     403",
    ("GET", "/operations/{code:str}/messages/{message_id:int}/attachments/{attachment_id:int}"): "login   403     404     404     404     403",
    ("GET", "/operations/{code:str}/seizures/{seizure_id:int}/ecomessage"):       "login   403     200     200/404 200     403",
    ("GET", "/operations/{code:str}/seizures/{seizure_id:int}/ecomessage.docx"):  "login   403     200     200/404 200     403",
    ("GET", "/operations/{code:str}/seizures/{seizure_id:int}/ecomessage.html"):  "login   403     200     200/404 200     403",
    ("GET", "/operations/{code:str}/seizures/{seizure_id:int}/ecomessage.pdf"):   "login   403     200     200/404 200     403",
    ("GET", "/reports/annual-illegal-trade"):                                     "login   403     200     200     200     403",
    ("GET", "/reports/annual-illegal-trade.xlsx"):                                "login   403     400     400     400     403",
    ("POST", "/api/v1/operations/{code:str}/links"):                              "401     403     400     400/404 403     403",
    ("POST", "/api/v1/operations/{code:str}/links/{link_id:int}/decision"):       "401     403     404     404     403     403",
    ("POST", "/api/v1/operations/{code:str}/messages"):                           "401     403     400     400/404 400     403",
    ("POST", "/api/v1/operations/{code:str}/messages/{message_id:int}/replies"):  "401     403     404     404     404     403",
    ("POST", "/api/v1/operations/{code:str}/seizures/{seizure_id:int}/case-events"): "401     403     400     400/404 403     403",
    ("POST", "/operations/{code:str}/links/{link_id:int}/decision"):              "login   403     404     404     403     403",
    ("POST", "/operations/{code:str}/links/{link_id:int}/remove"):                "login   403     404     404     403     403",
    ("POST", "/operations/{code:str}/messages"):                                  "login   403     400     400/404 400     403",
    ("POST", "/operations/{code:str}/messages/{message_id:int}/replies"):         "login   403     404     404     404     403",
    ("POST", "/operations/{code:str}/seizures/{seizure_id:int}/case-events"):     "login   403     400     400/404 403     403",
    ("POST", "/operations/{code:str}/seizures/{seizure_id:int}/links"):           "login   403     400     400/404 403     403",
}

# What each write route is sent (forms are form-encoded; API routes JSON; `files` makes it multipart).
REQUESTS: dict[tuple[str, str], dict] = {
    ("POST", "/login"): {"data": {"email": "nobody@nowhere.test", "password": "wrong"}},
    ("POST", "/login/code"): {"data": {"code": "123456"}},
    ("POST", "/password/forgot"): {"data": {"email": "nobody@nowhere.test"}},
    ("POST", "/password/set/{token:str}"): {"data": {"password": "a long password", "password_confirm": "other"}},
    ("POST", "/language"): {"data": {"language": "en", "next": "/"}},
    ("POST", "/account/tokens"): {"data": {"name": ""}},
    ("POST", "/account/second-factor/confirm"): {"data": {"code": "000000"}},
    ("POST", "/account/second-factor/disable"): {"data": {"code": "000000"}},
    ("POST", "/admin/reference/checklist"): {"files": {"file": ("", b"", "text/csv")}},
    ("POST", "/operations/{code:str}/participants/{country:str}/publicity"): {"data": {"publicity": "everywhere"}},
    ("POST", "/operations/{code:str}/sharing"): {"data": {"share_by_default": ""}},
    ("POST", "/operations/{code:str}/seizures/{seizure_id:int}/edit"): {"data": {"action": "save", "version": "1"}},
    ("POST", "/operations/{code:str}/seizures/{seizure_id:int}/status"): {"data": {"action": "answer", "message": "x"}},
    ("POST", "/operations/{code:str}/nil-returns"): {"data": {"date": "not a date"}},
    ("POST", "/operations/{code:str}/imports"): {"files": {"file": ("", b"", "text/csv")}},
    ("POST", "/api/v1/operations/{code:str}/seizures/{seizure_id:int}/status"): {"json": {"action": "answer",
                                                                                         "message": "x"}},
}
QUERY = {("GET", "/taxa/search"): "?q=Loxodonta", ("GET", "/api/v1/taxa"): "?q=Loxodonta"}
# Fixed values of path parameters that are not records (/schema/{path} serves only the documentation plugins).
FIXED = {"token": "no-such-link", "file_path": "css/app.css", "path": "openapi.yaml", "action": "resend",
         "kind": "countries", "name": "purge_expired", "message_id": "999999", "link_id": "999999",
         "attachment_id": "999999", "note_id": "999999"}
# Routes about a record inside the operation: "another country's" is Tanzania's record in the same operation.
CHILDREN = ("seizure_id", "import_id", "focal_point_id")


def expectations(key: tuple[str, str]) -> dict[str, tuple[str, str]]:
    """role → (answer for the own context, answer for the other one)."""
    tokens = MATRIX[key].split()
    assert len(tokens) == len(ROLES), f"{key}: {len(tokens)} answers for {len(ROLES)} roles"
    return {role: tuple((token.split("/") * 2)[:2]) for role, token in zip(ROLES, tokens, strict=True)}


def declared_routes(app: Litestar) -> set[tuple[str, str]]:
    return {(method, route.path) for route in app.routes for handler in getattr(route, "route_handlers", [])
            for method in handler.http_methods if method != "OPTIONS"}


def test_every_route_has_an_entry(tmp_path):
    routes = declared_routes(create_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/none.db")))
    missing = sorted(routes - set(MATRIX))
    assert not missing, "routes without an entry in the access matrix (add them to MATRIX in this file):\n" + \
        "\n".join(f"  {method} {path}" for method, path in missing)
    stale = sorted(set(MATRIX) - routes)
    assert not stale, "MATRIX entries for routes that no longer exist:\n" + "\n".join(f"  {m} {p}" for m, p in stale)
    for key in MATRIX:
        expectations(key)


@dataclass
class World:
    settings: Settings
    app: Litestar
    sessions: dict[str, str]
    tokens: dict[str, str]
    own: dict[str, str]
    other_operation: dict[str, str]
    other_child: dict[str, str]


@pytest.fixture
async def world(templates, tmp_path) -> World:
    """One SQLite database: the cast, Operation Thunder (Kenya, Tanzania, Uganda) with a seizure, an upload and a
    focal point of Kenya and of Tanzania each, and COBRA (South Africa only), with a target and a route each."""
    target = tmp_path / "matrix.db"
    shutil.copyfile(templates["sqlite"], target)
    settings = Settings(database_url=f"sqlite+aiosqlite:///{target}", scheduler_enabled=False, smtp_port=free_port())
    engine = make_engine(settings.database_url)
    async with session_scope(make_sessionmaker(engine), actor=(None, "test")) as db:
        people = {"admin": ("ada@ops.test", None), "coordinator": ("corinne@ops.test", None),
                  "focal_point": ("wanjiru@kws.test", "KEN"), "analyst": ("anders@ops.test", None),
                  "press_officer": ("priya@ops.test", None), "tanzania": ("baraka@tz.test", "TZA"),
                  "outsider": ("otto@ops.test", None)}
        users: dict[str, User] = {}
        for key, (email, country) in people.items():
            role = {"tanzania": "focal_point", "outsider": "coordinator"}.get(key, key)
            users[key] = await create_user(db, email=email, name=key.title(), role=role, country=country)
            users[key].password_hash = password_hash()
        await db.commit()
        extra = {"target_taxa": ["Loxodonta africana"], "routes": [
            {"name": "Ivory by air", "origin": ["KEN"], "destination": ["VNM"], "modes": ["air_cargo"]}]}
        thunder = await active_operation(db, **extra)
        cobra = await active_operation(db, code="COBRA-2026", name="COBRA 2026",
                                       countries=[{"country": "ZAF", "publicity": "named"}], **extra)
        seizures = {}
        for key, country in (("focal_point", "KEN"), ("tanzania", "TZA")):
            seizures[key] = await seizure_services.create_seizure(db, settings, await member(db, users[key], thunder), {**IVORY, "seizure_ref": f"{country}-1", "suspects": []})
            db.add(SheetImport(operation_id=thunder.id, country_code=country, filename="sheet.csv",
                               content=b"seizure_ref\n", sha256="0" * 64, uploaded_by=users[key].id, status="done"))
            await focal_points.invite(db, settings, thunder, country=country, email=users[key].email, name="",
                                      inviter=users["coordinator"], now=utcnow())
        await db.commit()

        async def first(query):  # type: ignore[no-untyped-def]
            return str(await db.scalar(query.limit(1)))

        own = {"code": thunder.code, "seizure_id": str(seizures["focal_point"].id),
               "import_id": await first(select(SheetImport.id).where(SheetImport.country_code == "KEN")),
               "focal_point_id": await first(select(FocalPoint.id).where(FocalPoint.country_code == "KEN")),
               "country": "KEN", "route_id": await first(select(Route.id).where(Route.operation_id == thunder.id)),
               "target_id": await first(select(Target.id).where(Target.operation_id == thunder.id)),
               "user_id": str(users["coordinator"].id),
               "artifact_id": str((await generate(db, settings, await member(db, users["coordinator"], thunder), kind="sitrep",
                                                  fmt="html", lang="en", now=utcnow())).id),
               "token_id": str((await create_api_token(db, users["outsider"], "not yours"))[0].id)}
        other_child = {**own, "seizure_id": str(seizures["tanzania"].id),
                       "import_id": await first(select(SheetImport.id).where(SheetImport.country_code == "TZA")),
                       "focal_point_id": await first(select(FocalPoint.id).where(FocalPoint.country_code == "TZA"))}
        other_operation = {**own, "code": cobra.code, "country": "ZAF",
                           "route_id": await first(select(Route.id).where(Route.operation_id == cobra.id)),
                           "target_id": await first(select(Target.id).where(Target.operation_id == cobra.id))}
        sessions, tokens = {}, {}
        for role in ROLES[1:]:
            sessions[role] = await start_session(db, settings, users[role], ip=None, now=utcnow())
            tokens[role] = (await create_api_token(db, users[role], "matrix"))[1]
        await db.commit()
    await engine.dispose()
    return World(settings, create_app(settings), sessions, tokens, own, other_operation, other_child)


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def page_problems(label: str, response) -> list[str]:  # type: ignore[no-untyped-def]
    """A page's CSP allows no inline script, and the page needs none; map pages (iframes) carry their own CSP."""
    if response.status_code != 200 or "text/html" not in response.headers.get("content-type", "") or \
            "/schema" in label:
        return []
    csp = response.headers.get("content-security-policy", "")
    if "/map/" in label or "routes-map" in label:
        return [] if "frame-ancestors 'self'" in csp and "http:" not in csp else [f"{label}: map CSP is {csp!r}"]
    problems = []
    script_src = re.search(r"script-src ([^;]*)", csp)
    if not script_src or "'unsafe-inline'" in script_src.group(1) or "'unsafe-eval'" in script_src.group(1):
        problems.append(f"{label}: CSP script-src is {script_src.group(1) if script_src else None!r}")
    if found := INLINE_SCRIPT.search(response.text) or INLINE_HANDLER.search(response.text):
        problems.append(f"{label}: inline script in the page: {found.group(0)[:80]!r}")
    return problems


def answer_of(response) -> str:  # type: ignore[no-untyped-def]
    if response.status_code in (301, 302, 303, 307):
        return "login" if response.headers["location"].startswith("/login") else "302"
    return str(response.status_code)


async def test_every_route_answers_every_role_as_the_matrix_says(world):
    failures: list[str] = []
    async with AsyncTestClient(app=world.app) as client:
        client.follow_redirects = False
        csrf = (await client.get("/login")).cookies["opsp_csrf"]
        for (method, path), by_role in sorted((k, expectations(k)) for k in MATRIX):
            contexts = [("own", world.own)]
            if "{code:str}" in path:
                other = world.other_child if any(f"{{{c}:" in path for c in CHILDREN) else world.other_operation
                contexts.append(("other", other))
            for role in ROLES:
                for index, (context, values) in enumerate(contexts):
                    expected = by_role[role][index]
                    url = re.sub(r"\{(\w+):\w+\}", lambda m: FIXED.get(m[1]) or values[m[1]], path)
                    url += QUERY.get((method, path), "")
                    client.cookies.clear()
                    client.cookies.set("opsp_csrf", csrf)
                    headers = {}
                    if role != "anonymous":
                        session = world.sessions[role]
                        if path == "/logout":  # a throw-away session, so the role's own stays valid
                            async with session_scope(world.app.state.sessionmaker) as db:
                                user = await db.scalar(select(User).where(User.role == role))
                                session = await start_session(db, world.settings, user, ip=None, now=utcnow())
                                await db.commit()
                        client.cookies.set("opsp_session", session)
                        if path.startswith("/api/"):
                            headers["Authorization"] = f"Bearer {world.tokens[role]}"
                    spec = REQUESTS.get((method, path), {"json": {}} if path.startswith("/api/") else
                                        ({"data": {}} if method in ("POST", "PATCH") else {}))
                    if "data" in spec or "files" in spec:
                        spec = {**spec, "data": {**spec.get("data", {}), "_csrf_token": csrf}}
                    response = await client.request(method, url, headers=headers, **spec)
                    label = f"{method} {url} as {role} ({context})"
                    if (got := answer_of(response)) != expected:
                        failures.append(f"{label}: expected {expected}, got {got} {response.text[:160]!r}")
                    failures += page_problems(label, response)
    assert not failures, f"{len(failures)} answers differ from the matrix:\n" + "\n".join(failures)
