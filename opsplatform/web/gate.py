"""The one gate every request passes before its handler: what no database can store, no handler should parse and no
person could have meant is refused here, whatever the route, with a 400 naming where.

- A JSON body that is not UTF-8, not JSON, nested deeper than MAX_DEPTH, or holds a number that is not finite or
  larger than any field takes (LARGEST_NUMBER; each field's own bound is the validator's).
- A C0 control character (but tab, newline and carriage return) anywhere typed: path, query, form fields, JSON
  strings and keys. PostgreSQL text cannot hold NUL; the others break spreadsheets (openpyxl refuses them) and are
  never meant.
- A record id in the path beyond the INTEGER columns' range: no such record can exist, so it is not found.
"""

from __future__ import annotations

import math
import re
from typing import Any

import msgspec
from litestar import Request
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException, SerializationException

from opsplatform.database import LARGEST_ID
from opsplatform.errors import FieldError, InvalidInput
from opsplatform.i18n import _

MAX_DEPTH = 16  # a seizure with items and suspects is 3 deep; messages with attachments 3
LARGEST_NUMBER = 10**15  # money, the largest any field takes
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
JSON_TYPES = ("application/json",)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def control_problem(text: str) -> str | None:
    """What is wrong with a text that holds a control character, or None."""
    found = CONTROL.search(text)
    if found is None:
        return None
    return _("contains a control character (U+%(code)s) that no field accepts; remove it",
             code=f"{ord(found.group(0)):04X}")


async def gate(request: Request) -> None:
    """A before-request hook: 404 for an impossible record id, 400 for what no field takes."""
    if any(isinstance(value, int) and not -LARGEST_ID <= value <= LARGEST_ID for value in request.path_params.values()):
        raise NotFoundException()
    errors: list[FieldError] = []
    raw_path = request.scope.get("raw_path", b"").split(b"?")[0]  # some servers keep the query in raw_path
    problem = control_problem(request.url.path) or (control_problem("\x00") if b"%00" in raw_path else None)
    if problem:
        errors.append(FieldError("path", problem))
    for key, value in request.query_params.multi_items():
        if problem := control_problem(key) or control_problem(value):
            errors.append(FieldError(key if not control_problem(key) else "query", problem))
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in JSON_TYPES and await request.body():
        errors += await _json_problems(request)
    elif media in FORM_TYPES:
        errors += await _form_problems(request)
    if errors:
        raise InvalidInput(errors[:20])


async def _json_problems(request: Request) -> list[FieldError]:
    try:
        data = await request.json()  # decoded once: the handler's body parameter reads the same
    except RecursionError:
        return [FieldError("body", _("is nested more than %(n)s levels deep", n=MAX_DEPTH))]
    except UnicodeDecodeError:
        return [FieldError("body", _("is not text in UTF-8"))]
    except (SerializationException, msgspec.DecodeError, ValueError):
        return [FieldError("body", _("is not valid JSON"))]
    return list(_walk(data))


def _walk(data: Any) -> Any:
    """Every problem of a decoded JSON document, each named by its path (`items[0].quantity`); without recursion,
    so no depth breaks it."""
    stack: list[tuple[Any, str, int]] = [(data, "body", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            yield FieldError("body", _("is nested more than %(n)s levels deep", n=MAX_DEPTH))
            return
        if isinstance(value, str):
            if problem := control_problem(value):
                yield FieldError(path, problem)
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int | float):
            if abs(value) > LARGEST_NUMBER or not math.isfinite(value):  # a huge int is no float
                yield FieldError(path, _("is not a number any field takes (at most %(n)s)", n="10^15"))
        elif isinstance(value, dict):
            for key, item in value.items():
                if problem := control_problem(str(key)):
                    yield FieldError(path, problem)
                stack.append((item, key if path == "body" else f"{path}.{key}", depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{n}]", depth + 1) for n, item in enumerate(value))


async def _form_problems(request: Request) -> list[FieldError]:
    try:
        form = await request.form()
    except (UnicodeDecodeError, ValueError):
        return [FieldError("body", _("is not a form in UTF-8"))]
    errors = []
    for key, value in form.multi_items():
        text = value.filename or "" if isinstance(value, UploadFile) else str(value)
        if problem := control_problem(key) or control_problem(text):
            errors.append(FieldError(key, problem))
    return errors
