"""The JSON API's request shapes in the OpenAPI document, so fuzzers and generated clients see what to send.

Documentation only. Handlers take raw JSON and hand it to the one validator of each record (seizures/validation.py,
operations/spec.py, …), which answers 400 naming each field in the reader's language; Litestar's own body validation
would do neither. So a route attaches its shape with `operation_class=documented(…)`, Litestar's way to describe data
a handler parses itself, and nothing here checks a request (but `is_version`, whose bound `version()` documents).
Each API module declares its shapes next to its routes, bounds and coded values taken from the validators' constants.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import (
    Components,
    Link,
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    Parameter,
    RequestBody,
    Schema,
    SecurityScheme,
)

from opsplatform.database import LARGEST_ID

# Every API route takes a token (README: "Authenticate with Authorization: Bearer <token>").
SECURITY = [{"bearer": []}]
COMPONENTS = Components(security_schemes={"bearer": SecurityScheme(
    type="http", scheme="bearer", description="An API token: create one on your account page or with "
                                             "`opsplatform tokens create`; GET /api/v1/me tells whose it is")})


def operation_id(name: str) -> str:
    """A route's operationId from its Litestar name: `api:seizures:create` → `seizuresCreate` (what generated clients
    call the method, and what links point at)."""
    words = [w for part in name.removeprefix("api:").split(":") for w in part.split("_")]
    return words[0] + "".join(w.title() for w in words[1:])


def operation_id_creator(handler: HTTPRouteHandler, method: Any, components: list[str | Any]) -> str:
    """For `OpenAPIConfig(operation_id_creator=…)`: API routes by their names, others as Litestar names them."""
    if handler.name and handler.name.startswith("api:"):
        return operation_id(handler.name)
    return OpenAPIConfig.operation_id_creator(handler, method, components)


# --- shapes ---------------------------------------------------------------------------------------------------------

def _typed(kind: OpenAPIType, nullable: bool) -> OpenAPIType | list[OpenAPIType]:
    # Optional fields may be null: the validators read null as left out, and GET answers carry nulls back.
    return [kind, OpenAPIType.NULL] if nullable else kind


def text(description: str | None = None, *, max_length: int | None = None, min_length: int | None = None,
         pattern: str | None = None, format: OpenAPIFormat | None = None, nullable: bool = True) -> Schema:
    return Schema(type=_typed(OpenAPIType.STRING, nullable), description=description, max_length=max_length,
                  min_length=min_length, pattern=pattern, format=format)


def day(description: str | None = None, *, nullable: bool = True) -> Schema:
    return text(description, format=OpenAPIFormat.DATE, nullable=nullable)


def coded(values: Iterable[str], description: str | None = None, *, nullable: bool = True) -> Schema:
    values = list(values)
    return Schema(type=_typed(OpenAPIType.STRING, nullable), enum=[*values, None] if nullable else values,
                  description=description)


def number(description: str | None = None, *, minimum: float | None = None, maximum: float | None = None,
           exclusive_minimum: float | None = None, nullable: bool = True) -> Schema:
    return Schema(type=_typed(OpenAPIType.NUMBER, nullable), description=description, minimum=minimum,
                  maximum=maximum, exclusive_minimum=exclusive_minimum)


def whole(description: str | None = None, *, minimum: int | None = None, maximum: int | None = None,
          nullable: bool = True) -> Schema:
    return Schema(type=_typed(OpenAPIType.INTEGER, nullable), description=description, minimum=minimum,
                  maximum=maximum)


def flag(description: str | None = None) -> Schema:
    return Schema(type=_typed(OpenAPIType.BOOLEAN, True), description=description)


def listing(items: Schema, description: str | None = None, *, min_items: int | None = None,
            max_items: int | None = None, nullable: bool = True) -> Schema:
    return Schema(type=_typed(OpenAPIType.ARRAY, nullable), items=items, description=description,
                  min_items=min_items, max_items=max_items)


def shape(title: str, properties: Mapping[str, Schema], *, required: Sequence[str] = (),
          description: str | None = None) -> Schema:
    """A JSON object; other members are ignored, as the validators ignore them."""
    missing = set(required) - set(properties)
    assert not missing, f"{title} requires undeclared {missing}"
    return Schema(type=OpenAPIType.OBJECT, title=title, description=description, properties=dict(properties),
                  required=list(required) or None)


def identifier(description: str | None = None, *, nullable: bool = True) -> Schema:
    """A record's id, as database.record_id reads it."""
    return whole(description, minimum=1, maximum=LARGEST_ID, nullable=nullable)


# Versions count from 1 in INTEGER columns, and a change stores the version read plus one.
VERSIONS = range(1, LARGEST_ID)


def version(description: str = "The record's version as you read it: the change is refused (409) if it changed "
                               "since", *, nullable: bool = False) -> Schema:
    return whole(description, minimum=VERSIONS.start, maximum=VERSIONS.stop - 1, nullable=nullable)


def is_version(value: Any) -> bool:
    """Whether a client sent a version a record can have (beyond the column's range, the database would fail)."""
    return isinstance(value, int) and not isinstance(value, bool) and value in VERSIONS


COUNTRY = text("ISO 3166-1 alpha-3 code such as KEN (alpha-2 such as KE is understood)")


def query(name: str, schema: Schema, description: str, *, required: bool = False) -> Parameter:
    """A query parameter the handler reads itself; a list is sent as repeated keys (or values joined by commas)."""
    repeated = schema.type == OpenAPIType.ARRAY or OpenAPIType.ARRAY in (schema.type or ())
    return Parameter(name=name, param_in="query", schema=schema, description=description, required=required,
                     style="form" if repeated else None, explode=True if repeated else None)


# --- the Operation class a route documents itself with ---------------------------------------------------------------

def documented(body: Schema | None = None, *, parameters: Iterable[Parameter] = (),
               links: Mapping[int, Mapping[str, Link]] | None = None,
               media_types: Iterable[str] = ()) -> type[Operation]:
    """An `operation_class` for a route: the JSON body it reads itself, the query parameters it reads from
    `request.query_params`, the links from its answer to the routes that take the record it made (which lead
    fuzzers and clients from a created record to its own routes), and the types of a file it answers with when
    the file decides (a route declares one `media_type`)."""
    extra, types = list(parameters), list(media_types)

    @dataclass
    class Documented(Operation):
        def __post_init__(self) -> None:
            if body is not None:
                self.request_body = RequestBody(required=True,
                                                content={"application/json": OpenAPIMediaType(schema=body)})
            if extra:
                self.parameters = [*(self.parameters or []), *extra]
            answers = self.responses or {}
            for status, named in (links or {}).items():
                answers[str(status)].links = dict(named)  # type: ignore[union-attr]
            if types:
                success = next(a for code, a in answers.items() if code.startswith("2"))
                shown = next(iter(success.content.values()))  # type: ignore[union-attr]
                success.content = dict.fromkeys(types, shown)  # type: ignore[union-attr]

    return Documented


def follow(*names: str, **parameters: str) -> dict[str, Link]:
    """Links to the routes named, their parameters taken from the request or the answer (runtime expressions such as
    `$response.body#/id`)."""
    return {operation_id(name): Link(operation_id=operation_id(name), parameters=parameters) for name in names}
