"""`Idempotency-Key`: a create repeated with the same key answers its first result and creates nothing more.

A national system or a phone on a poor line sends a create, loses the answer and sends it again. With the same key
(one per intended record, chosen by the sender), the repeat gets the first answer, marked `Idempotent-Replayed`.
The key is claimed in the create's own transaction before anything is written, so of two repeats sent together the
second waits for the first and answers its result; a create that fails leaves no claim, so it can be sent again.
Keys belong to the user who sent them and are kept for `ANSWERS_KEPT` (the hourly purge removes older ones).
Semantics as in the IETF draft "The Idempotency-Key HTTP Header Field": another request under a used key is a 422.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, Response
from litestar.datastructures import FormMultiDict
from litestar.openapi.spec import Parameter, Schema
from litestar.openapi.spec.enums import OpenAPIType
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import crypto
from opsplatform.errors import FieldError, InvalidInput
from opsplatform.i18n import _
from opsplatform.models.auth import ANSWERS_KEPT, IdempotentRequest

HEADER = "Idempotency-Key"
FORM_FIELD = "idempotency_key"
LONGEST = 255

PARAMETER = Parameter(
    name=HEADER, param_in="header", required=False,
    schema=Schema(type=OpenAPIType.STRING, min_length=1, max_length=LONGEST),
    description="A value of your choosing, new for each record you mean to create (a UUID): a repeat with the same key "
                "(after a time-out or a lost answer) answers the first result and creates nothing more. Kept "
                f"{ANSWERS_KEPT.days} days.")


def _key(request: Request) -> str | None:
    return _checked(request.headers.get(HEADER), HEADER)


def _checked(key: str | None, field: str) -> str | None:
    if key is None:
        return None
    if not 0 < len(key) <= LONGEST or not key.isascii() or not key.isprintable():
        raise InvalidInput.one(field, _("must be 1 to %(n)s printable ASCII characters, such as a UUID", n=LONGEST))
    return key


async def _fingerprint(request: Request) -> str:
    return hashlib.sha256(f"{request.method} {request.url.path}\n".encode() + await request.body()).hexdigest()


def form_key(request: Request, form: FormMultiDict) -> str | None:
    """A page form's key: its `idempotency_key` field (the browser's draft gives one per record), else the header."""
    return _checked(form.get(FORM_FIELD) or None, FORM_FIELD) or _key(request)


def form_fingerprint(request: Request, form: FormMultiDict) -> str:
    """What a page form sends, without its form token (a send repeated after a new login carries another)."""
    fields = sorted((k, str(v)) for k, v in form.multi_items() if k != "_csrf_token")
    return hashlib.sha256(f"{request.method} {request.url.path}\n{json.dumps(fields)}".encode()).hexdigest()


class KeyReused(Exception):
    """The key was used for another request: each new record needs a new key."""


async def once(request: Request, db: AsyncSession, key: str, fingerprint: str,
               create: Callable[[], Awaitable[dict[str, Any]]]) -> tuple[dict[str, Any], int, bool]:
    """Run `create` (it writes without committing and returns the answer) and commit, once per key of the user: its
    answer and status, and whether this is a repeat answered with the first result."""
    user = request.user
    claim = IdempotentRequest(user_id=user.id, key=key, fingerprint=fingerprint)
    db.add(claim)
    try:
        await db.flush()  # waits for a repeat's transaction that holds the key, then fails if it committed
    except IntegrityError:
        await db.rollback()
        first = await db.scalar(select(IdempotentRequest).where(IdempotentRequest.user_id == user.id,
                                                                IdempotentRequest.key == key))
        if first is None or first.answer is None:  # purged or rolled back in between: cannot tell; ask again
            raise InvalidInput.one(HEADER, _("could not be matched to its first request; send the request again")) \
                from None
        if first.fingerprint != fingerprint:
            raise KeyReused from None
        return json.loads(crypto.decrypt(request.app.state.settings, first.answer) or "null"), first.status_code, True
    answer = await create()
    claim.answer = crypto.encrypt(request.app.state.settings, json.dumps(answer, default=str))
    await db.commit()
    return answer, claim.status_code, False


async def created(request: Request, db: AsyncSession, create: Callable[[], Awaitable[dict[str, Any]]]) -> Response:
    """The API's create: 201 with the answer, or the first answer again for a repeat with the same key."""
    key = _key(request)
    if key is None:
        answer = await create()
        await db.commit()
        return Response(answer, status_code=201)
    try:
        answer, status, replayed = await once(request, db, key, await _fingerprint(request), create)
    except KeyReused:
        problem = FieldError(HEADER, _("was used for another request: send a new key for each new record"))
        return Response({"status_code": 422, "detail": _("invalid input"), "errors": [problem.as_dict()]},
                        status_code=422)
    return Response(answer, status_code=status, headers={"Idempotent-Replayed": "true"} if replayed else None)
