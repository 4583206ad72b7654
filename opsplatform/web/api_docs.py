"""The error answers of the JSON API, documented once for every API route (OpenAPI `responses`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.openapi.datastructures import ResponseSpec


@dataclass
class FieldProblem:
    field: str
    message: str


@dataclass
class ApiError:
    """Every error answer: the status, what is wrong and, for bad input, one entry per field."""

    status_code: int
    detail: str
    errors: list[FieldProblem] | None = None


@dataclass
class ApiConflict:
    """A change sent with a stale version: nothing was saved; `current` is the record as it is now."""

    status_code: int
    detail: str
    current: dict[str, Any]


def _error(description: str) -> ResponseSpec:
    return _spec(ApiError, description)


def _spec(container: type, description: str) -> ResponseSpec:
    # No generated example: it was random text drawn anew by each start of the app (no help to a reader, and the
    # document then differed from one start to the next, and with it every client or test generated from it).
    return ResponseSpec(data_container=container, description=description, generate_examples=False)


ERRORS = {
    400: _error("Bad input: `errors` lists each field and what is wrong with it"),
    401: _error("No token, or a token that is wrong or revoked"),
    403: _error("Your role does not allow this"),
    404: _error("No such operation or record that you can see (another country's record is answered 404)"),
    503: _error("Busy: every database connection is in use; retry after the seconds in Retry-After"),
}
ERRORS_WITH_CONFLICT = {**ERRORS, 409: _spec(ApiConflict, "Changed by someone else since you read it")}
CREATE_ERRORS = {**ERRORS, 422: _error("The Idempotency-Key was used for another request: send a new key for each new "
                                       "record")}
