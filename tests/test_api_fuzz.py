"""The JSON API under generated input (schemathesis): no server error, and every answer as the OpenAPI document says.

The app runs for real (uvicorn on loopback). Every operation of the document gets requests generated from its
documented shapes, valid and invalid, sent by a focal point or by a lead coordinator, with the generated path
parameters or, half the time, those of real records (the operation, a seizure, a link, a message and its
attachment), so that generated bodies reach the validators rather than a 404. Then the document's links drive
sequences: a record one call makes is read, corrected and moved on by the next.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import pkgutil
import sys
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st
from litestar.testing import AsyncTestClient
from schemathesis import APIOperation, GenerationMode
from sqlalchemy import select, update

import opsplatform
from opsplatform.app import create_app
from opsplatform.cases import links, messages
from opsplatform.database import make_engine, make_sessionmaker, session_scope
from opsplatform.models.auth import User
from opsplatform.models.cases import MessageAttachment
from opsplatform.models.operations import Operation
from opsplatform.reporting.filters import ResultFilter
from opsplatform.seizures import services
from opsplatform.seizures.validation import MAX_ITEMS, MAX_QUANTITY
from tests.cases_support import logged
from tests.conftest import form_post
from tests.live_server import serve
from tests.results_support import ACTIVE, IVORY, active_operation, bearer, member

# Schema-valid bodies are still refused when they break a rule of the domain (a date outside the window, an
# unknown taxon), and the validators read what a form or a sheet would send (a number as text, a code list as one
# text), so neither "valid data is accepted" nor "invalid data is refused" holds: a 4xx or a 2xx, never a 5xx.
LENIENT = [schemathesis.checks.positive_data_acceptance, schemathesis.checks.negative_data_rejection]
pytestmark = pytest.mark.usefixtures("every_module_loaded")  # the same cases alone or after other files
EXAMPLES = 25  # per operation, generation mode and database; derandomized, so CI runs the same cases every time
SCENARIOS, STEPS = 100, 10  # linked sequences per database, and their longest
QUIET = {"deadline": None, "derandomize": True, "database": None, "suppress_health_check": list(HealthCheck)}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
# Operations only the lead coordinator takes; a focal point of Kenya takes the others.
LEADS = {"POST /api/v1/operations", "PATCH /api/v1/operations/{code}", "POST /api/v1/operations/{code}/phase"}
# What a generated body cannot know, for the calls that make records: names of real taxa and countries, a date in
# the operation's window, a reference not yet used, a record of one's own. The rest of the body stays generated.
REAL_PARTS = {
    "POST /api/v1/operations/{code}/seizures": lambda n, real: {
        "seizure_ref": f"FUZZ-{n}", **{k: copy.deepcopy(IVORY[k]) for k in (
            "seizure_date", "items", "suspects", "origin_country", "destination_country", "transit_countries",
            "suspect_nationalities")}, "export_country": None, "customs_origin_country": None,
        "real_destination_country": None},
    "POST /api/v1/operations": lambda n, real: {
        "code": f"FUZZ-{n}", **{k: copy.deepcopy(ACTIVE[k]) for k in ("start", "end", "phase", "countries")},
        "team": [], "lead_organisations": [], "target_taxa": [], "target_terms": [], "routes": []},
    "POST /api/v1/operations/{code}/links": lambda n, real: {
        "seizure_id": real.ids["seizure_id"], "other_country": "TZA", "other_seizure_id": None},
}


@dataclass
class World:
    """Real records for every path parameter of the API, and the tokens of those who act on them."""

    operation_id: int
    ids: dict[str, object]
    query: dict[str, object]
    tokens: list[dict[str, str]]
    emails: tuple[str, str]  # Kenya's and Tanzania's focal points


async def world(db, settings, cast) -> World:
    operation = await active_operation(db)
    ids = await records(db, settings, operation, cast.kenya, cast.tanzania, 0)
    return World(operation_id=operation.id, ids={"code": operation.code, **ids},
                 query={"country": "KEN", "year": date.today().year},
                 tokens=[await bearer(db, cast.kenya), await bearer(db, cast.coordinator)],
                 emails=(cast.kenya.email, cast.tanzania.email))


async def records(db, settings, operation, kenya_user, tanzania_user, n: int) -> dict[str, object]:
    """A seizure of Kenya's asking to link with one of Tanzania's, and an alert with an attachment: committed."""
    kenya = await member(db, kenya_user, operation)
    seizure = await services.create_seizure(db, settings, kenya, {**copy.deepcopy(IVORY), "seizure_ref": f"KE-W-{n}"})
    other = await logged(db, settings, operation, tanzania_user, f"TZ-W-{n}")
    link = await links.request_link(db, kenya, seizure, {"kind": "same_shipment", "other_country": "TZA",
                                                         "other_seizure_ref": other.seizure_ref})
    alert = await messages.post_message(db, settings, kenya, {"kind": "alert", "subject": "Ivory via DXB",
                                                              "body": "Watch air cargo."}, [("sacks.png", PNG)])
    attachment = await db.scalar(select(MessageAttachment.id).where(MessageAttachment.message_id == alert.id))
    await db.commit()
    return {"seizure_id": seizure.id, "link_id": link.id, "message_id": alert.id, "attachment_id": attachment}


def fresh_records(settings, real: World, n: int) -> None:
    """Records of a scenario's own, on the operation as ACTIVE has it: what earlier scenarios did (a link decided, a
    window moved) cannot change what this one is answered, as hypothesis needs of a scenario it replays. Made with
    an engine of its own in a thread of its own, since the test's event loop is blocked while scenarios run."""
    async def make() -> None:
        engine = make_engine(settings.database_url)
        try:
            async with session_scope(make_sessionmaker(engine)) as db:
                await restore(db, real)
                operation = await db.get(Operation, real.operation_id)
                users = [await db.scalar(select(User).where(User.email == email)) for email in real.emails]
                real.ids.update(await records(db, settings, operation, *users, n))
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, make()).result()


async def restore(db, real: World) -> None:
    """The operation as ACTIVE has it again, whatever a generated PATCH or phase change made of it (its code, its
    window, its phase), so that the next operation's cases reach its records."""
    await db.execute(update(Operation).where(Operation.id == real.operation_id).values(
        code=real.ids["code"], phase=ACTIVE["phase"], start_date=date.fromisoformat(ACTIVE["start"]),
        end_date=date.fromisoformat(ACTIVE["end"])))
    await db.commit()


def with_real(case, real: World) -> None:
    """The case's path and query parameters replaced by those of real records where it has them."""
    case.path_parameters = {k: real.ids.get(k, v) for k, v in (case.path_parameters or {}).items()}
    if case.query:
        case.query = {k: real.query.get(k, v) for k, v in case.query.items()}


async def test_the_api_answers_generated_requests_without_server_errors_and_as_documented(database_url, db, cast,
                                                                                         settings):
    real = await world(db, settings, cast)
    tally: dict[str, Counter[int]] = defaultdict(Counter)
    failures: list[str] = []
    with serve(create_app(settings)) as base_url:
        schema = schemathesis.openapi.from_url(f"{base_url}/schema/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 31, [o.label for o in operations]
        for api_operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                @hypothesis_settings(max_examples=EXAMPLES, **QUIET)
                @given(case=api_operation.as_strategy(generation_mode=mode), use_real=st.booleans(),
                       token=st.sampled_from(real.tokens))
                def check(case, use_real: bool, token: dict[str, str],  # type: ignore[no-untyped-def]
                          api_operation: APIOperation) -> None:
                    if use_real:
                        with_real(case, real)
                    response = case.call_and_validate(base_url=base_url, headers=token, excluded_checks=LENIENT)
                    tally[api_operation.label][response.status_code] += 1

                try:
                    check(api_operation=api_operation)  # blocking is fine: the server has its own thread and event loop
                except (Exception, BaseExceptionGroup) as exc:  # every operation's failures, then report them all
                    failures.append(f"{api_operation.label} ({mode.value}): {exc}")
            await restore(db, real)
    report("stateless", database_url, tally)
    assert not failures, "\n\n".join(failures)
    assert not [label for label, statuses in tally.items() if statuses[500]], tally
    # Reaching the handlers: every operation answered something other than "no such thing" or "no token".
    unreached = [label for label, statuses in tally.items() if not set(statuses) - {401, 404, 405}]
    assert not unreached, {label: tally[label] for label in unreached}


async def test_linked_calls_follow_a_record_from_the_answer_that_made_it(database_url, db, cast, settings):
    real = await world(db, settings, cast)
    tally: dict[str, Counter[int]] = defaultdict(Counter)
    made: dict[str, set[object]] = defaultdict(set)  # ids the API answered with: links carry them on
    followed: Counter[str] = Counter()  # answers about a record made earlier in the run
    refs = itertools.count(1)
    with serve(create_app(settings)) as base_url:
        schema = schemathesis.openapi.from_dict(addresses_as_text(httpx.get(f"{base_url}/schema/openapi.json").json()))

        @schema.auth(refresh_interval=None)
        class Token:  # the lead coordinator for operation-wide changes, Kenya's focal point for the rest
            def get(self, case, ctx):  # type: ignore[no-untyped-def]
                return real.tokens[case.operation.label in LEADS]

            def set(self, case, data, ctx):  # type: ignore[no-untyped-def]
                case.headers = {**(case.headers or {}), **data}

        class Workflow(schema.as_state_machine()):  # type: ignore[misc]
            def setup(self) -> None:
                made.clear()
                fresh_records(settings, real, next(refs))

            def before_call(self, case) -> None:  # type: ignore[no-untyped-def]
                # A scenario starts from real records; an id a link brought from an answer is kept.
                case.path_parameters = {k: v if v in made[k] else real.ids.get(k, v)
                                        for k, v in (case.path_parameters or {}).items()}
                if isinstance(case.body, dict) and case.operation.label in REAL_PARTS:
                    case.body.update(REAL_PARTS[case.operation.label](next(refs), real))
                # A generated Idempotency-Key may repeat one of an earlier scenario, whose answer then differs from
                # run to run; a key of its own keeps each scenario's answers the same.
                if case.headers and "Idempotency-Key" in case.headers:
                    case.headers["Idempotency-Key"] = f"scenario-{next(refs)}"

            def get_call_kwargs(self, case) -> dict:  # type: ignore[no-untyped-def]
                return {"base_url": base_url}

            def after_call(self, response, case) -> None:  # type: ignore[no-untyped-def]
                super().after_call(response, case)
                tally[case.operation.label][response.status_code] += 1
                if response.status_code < 300 and any(v in made[k] for k, v in (case.path_parameters or {}).items()):
                    followed[case.operation.label] += 1
                if response.status_code == 201 and isinstance(body := response.json(), dict):
                    for key, name in (("id", _id_name(case.operation.path)), ("code", "code")):
                        if name and key in body:
                            made[name].add(body[key])

            def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:  # type: ignore[no-untyped-def]
                case.validate_response(response, additional_checks=additional_checks, excluded_checks=LENIENT,
                                       transport_kwargs=kwargs or None, recorder=self.recorder)

        Workflow.run(settings=hypothesis_settings(max_examples=SCENARIOS, stateful_step_count=STEPS, **QUIET))
    report("linked", database_url, tally)
    print(f"  followed to a record made in the run: {dict(followed)}")
    assert not [label for label, statuses in tally.items() if statuses[500]], tally
    # Operations and seizures made by generated calls were then taken by the calls their links lead to: a made
    # operation read, itself or its records (the sequences explored decide which of its links is taken), a made
    # seizure read.
    assert {"GET /api/v1/operations/{code}", "GET /api/v1/operations/{code}/seizures"} & set(followed), followed
    assert "GET /api/v1/operations/{code}/seizures/{seizure_id}" in followed, followed


def addresses_as_text(document: Any) -> Any:
    """The document without the body fields named `…_address`: schemathesis reads one as a reference to a resource of
    that name (`agency_address`, an Agency) that no operation makes, and then never starts a scenario by logging a
    seizure. They are free text, fuzzed by the stateless test."""
    if isinstance(document, dict):
        return {key: addresses_as_text(value) for key, value in document.items()
                if not (isinstance(key, str) and key.endswith("_address") and isinstance(value, dict))}
    if isinstance(document, list):
        return [addresses_as_text(value) for value in document]
    return document


def _id_name(path: str) -> str | None:
    """The path parameter an answer's `id` fills: a POST …/seizures makes a seizure_id, and so on."""
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return {"seizures": "seizure_id", "links": "link_id", "messages": "message_id"}.get(last)


def report(kind: str, database_url: str, tally: dict[str, Counter[int]]) -> None:
    """The figures, shown with `pytest -s`: cases and answers per operation."""
    engine = database_url.split(":", 1)[0]
    print(f"\n{kind} on {engine}: {sum(sum(c.values()) for c in tally.values())} cases, "
          f"{len(tally)} operations")
    for label, statuses in sorted(tally.items()):
        print(f"  {label}: {sum(statuses.values())} cases, {dict(sorted(statuses.items()))}")


async def test_the_document_types_every_body_and_parameter_and_asks_for_the_token(client):
    document = (await client.get("/schema/openapi.json")).json()
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer") and document["security"] == [{"bearer": []}]
    operations = {f"{method.upper()} {path}": operation for path, item in document["paths"].items()
                  for method, operation in item.items()}
    bodies = {label: operation["requestBody"]["content"]["application/json"]["schema"]
              for label, operation in operations.items() if "requestBody" in operation}
    # Every JSON body named and shaped, none the bare object a raw dict gives.
    assert len(bodies) == 13 and all(b.get("title") and b.get("properties") for b in bodies.values()), bodies
    seizure = bodies["POST /api/v1/operations/{code}/seizures"]
    assert seizure["properties"]["items"]["maxItems"] == MAX_ITEMS
    assert seizure["properties"]["items"]["items"]["properties"]["quantity"]["maximum"] == MAX_QUANTITY
    summary = operations["GET /api/v1/operations/{code}/summary"]
    assert {p["name"] for p in summary["parameters"] if p["in"] == "query"} == {f.name for f in fields(ResultFilter)}
    assert len({o["operationId"] for o in operations.values()}) == len(operations)


def test_every_module_the_exploration_draws_constants_from_is_loaded_before_it() -> None:
    """Hypothesis draws some values from the constants of the project's own modules loaded in the process (not tests,
    not installed packages). With every module of the app loaded first, nothing a test file loads later can change
    them: the exploration is the same alone and in a CI worker (it was not: 969 cases alone, 854 in a worker)."""
    root = Path(opsplatform.__file__).parents[1]
    own = {name for name, module in list(sys.modules.items())
           if (file := getattr(module, "__file__", None)) and Path(file).is_relative_to(root)
           and "site-packages" not in file and "tests" not in Path(file).relative_to(root).parts}
    every = {module.name for module in pkgutil.walk_packages(opsplatform.__path__, "opsplatform.")}
    assert own == {"opsplatform"} | {name for name in every if not name.endswith("__main__")}


async def test_the_document_is_the_same_from_one_start_of_the_app_to_the_next(settings):
    """Regression: its error answers carried examples drawn at random at each start, so the document, and what any
    client or test generated from it, changed with the number of starts before (the linked calls above explored
    other sequences in CI, where hundreds of apps had started in the same process, than alone)."""
    documents = []
    for _ in range(2):
        async with AsyncTestClient(app=create_app(settings)) as fresh:
            documents.append((await fresh.get("/schema/openapi.json")).json())
    assert documents[0] == documents[1]


async def test_a_version_beyond_any_record_is_bad_input_not_a_database_error(client, db, cast, settings):
    """Regression: a version past the INTEGER column (2**31) reached the database, where PostgreSQL refused it."""
    real = await world(db, settings, cast)
    code, seizure = real.ids["code"], real.ids["seizure_id"]
    kenya, coordinator = real.tokens
    for version in (2**31, 2**31 - 1, 10**15, 0, True):
        patched = await client.patch(f"/api/v1/operations/{code}/seizures/{seizure}", headers=kenya,
                                     json={"version": version})
        stepped = await client.post(f"/api/v1/operations/{code}/seizures/{seizure}/status", headers=kenya,
                                    json={"action": "withdraw", "message": "duplicate", "version": version})
        changed = await client.patch(f"/api/v1/operations/{code}", headers=coordinator, json={"version": version})
        for answer in (patched, stepped, changed):
            assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "version", answer.text


# Shapes of an operation file that were once server errors (found by a negative run of POST /api/v1/operations):
# each is a 400 naming the field.
UNCHECKED_SHAPES = {"countries": 5, "target_taxa": 5, "routes": 5, "objectives": ["x"], "series": 5, "phase": ["x"],
                    "countries[0].publicity": [{"country": "KEN", "publicity": ["x"]}],
                    "countries[0].country": [{"country": ["KEN"]}],
                    "routes[0].risk_notes": [{"name": "Sea route", "risk_notes": ["x"]}],
                    "routes[0].name": [{"name": 5}],
                    "routes[0].hubs[0].latitude": [{"name": "Sea route", "hubs": [{"name": "Port", "latitude": 10**400,
                                                                          "longitude": 0}]}],
                    "target_taxa[0].notes": [{"taxon": "Loxodonta africana", "notes": ["x"]}],
                    "target_taxa[0]": [{"taxon": ["Loxodonta africana"]}],
                    "routes[0].hubs[0]": [{"name": "Sea route", "hubs": [{"name": "Port", "latitude": "1e400",
                                                                          "longitude": 0}, 5]}]}


async def test_an_operation_file_of_any_shape_is_refused_naming_the_field(client, db, cast):
    await active_operation(db)
    coordinator = await bearer(db, cast.coordinator)
    for n, (field, value) in enumerate(UNCHECKED_SHAPES.items()):
        sent = {"code": f"SHAPE-{n}", "name": "Shapes", "start": "2027-01-01", "end": "2027-01-31",
                field.split("[")[0]: value}
        answer = await client.post("/api/v1/operations", headers=coordinator, json=sent)
        assert answer.status_code == 400 and field in [e["field"] for e in answer.json()["errors"]], \
            (field, answer.text)


async def test_the_nul_character_is_refused_as_bad_input_on_both_databases(client, db, cast):
    """Regression: PostgreSQL cannot store NUL, so a search, a login or a seizure carrying one was a server error."""
    operation = await active_operation(db)
    auth = await bearer(db, cast.kenya)
    search = await client.get("/api/v1/taxa?q=Lox%00", headers=auth)
    assert search.status_code == 400 and search.json()["errors"][0]["field"] == "q"
    create = await client.post(f"/api/v1/operations/{operation.code}/seizures", headers=auth,
                               json={**IVORY, "seizure_ref": "KE\u0000-1"})
    assert create.status_code == 400 and create.json()["errors"][0]["field"] == "seizure_ref"
    page = await form_post(client, "/login", {"email": "wanjiru@kws.test\u0000", "password": "x"})
    assert page.status_code == 400 and "character (U+0000) that no field accepts" in page.text
    path = await client.get(f"/api/v1/operations/{operation.code}%00", headers=auth)
    assert path.status_code == 400
