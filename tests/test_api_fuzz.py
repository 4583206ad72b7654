"""The JSON API under generated input (schemathesis): no server error, and every answer as the OpenAPI document says.

The app runs for real (uvicorn on loopback) with a focal point's token. Requests use the generated path parameters
or, half the time, those of a real operation and seizure, so that generated bodies reach the validators.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from opsplatform.app import create_app
from opsplatform.seizures import services
from tests.conftest import form_post
from tests.live_server import serve
from tests.results_support import IVORY, active_operation, bearer, member

# Schema-valid bodies are still refused when they break a rule of the domain (a date outside the window, an
# unknown taxon): that is the validator's job, so "schema-valid data must be accepted" is not a check here.
SEMANTIC = schemathesis.checks.positive_data_acceptance
EXAMPLES = 40  # per operation and database; derandomized, so CI runs the same cases every time


async def test_the_api_answers_generated_requests_without_server_errors_and_as_documented(database_url, db, cast,
                                                                                         settings):
    operation = await active_operation(db)
    seizure = await services.create_seizure(db, settings, await member(db, cast.kenya, operation), IVORY)
    await db.commit()
    auth = await bearer(db, cast.kenya)
    real = {"code": operation.code, "seizure_id": seizure.id}
    failures: list[str] = []
    with serve(create_app(settings)) as base_url:
        schema = schemathesis.openapi.from_url(f"{base_url}/schema/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 14, [o.label for o in operations]
        for api_operation in operations:
            @hypothesis_settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                                 suppress_health_check=list(HealthCheck))
            @given(case=api_operation.as_strategy(), use_real=st.booleans())
            def check(case, use_real: bool) -> None:  # type: ignore[no-untyped-def]
                if use_real and case.path_parameters:
                    case.path_parameters = {k: real.get(k, v) for k, v in case.path_parameters.items()}
                case.call_and_validate(base_url=base_url, headers=auth, excluded_checks=[SEMANTIC])

            try:
                check()  # blocking is fine: the server has its own thread and event loop
            except (Exception, BaseExceptionGroup) as exc:  # gather every operation's failures, then report them all
                failures.append(f"{api_operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)



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
    assert page.status_code == 400 and "control character (U+0000)" in page.text
    path = await client.get(f"/api/v1/operations/{operation.code}%00", headers=auth)
    assert path.status_code == 400
