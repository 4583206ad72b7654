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
LONGEST = 255

PARAMETER = Parameter(
    name=HEADER, param_in="header", required=False,
    schema=Schema(type=OpenAPIType.STRING, min_length=1, max_length=LONGEST),
    description="A value of your choosing, new for each record you mean to create (a UUID): a repeat with the same key "
                "(after a time-out or a lost answer) answers the first result and creates nothing more. Kept "
                f"{ANSWERS_KEPT.days} days.")


def _key(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not 0 < len(key) <= LONGEST or not key.isascii() or not key.isprintable():
        raise InvalidInput.one(HEADER, _("must be 1 to %(n)s printable ASCII characters, such as a UUID", n=LONGEST))
    return key


async def _fingerprint(request: Request) -> str:
    return hashlib.sha256(f"{request.method} {request.url.path}\n".encode() + await request.body()).hexdigest()


async def created(request: Request, db: AsyncSession, create: Callable[[], Awaitable[dict[str, Any]]]) -> Response:
    """Run `create` (it writes without committing and returns the answer) and commit, once per key: the answer is 201,
    or the first answer again for a repeat."""
    key, user = _key(request), request.user
    if key is None:
        answer = await create()
        await db.commit()
        return Response(answer, status_code=201)
    fingerprint = await _fingerprint(request)
    claim = IdempotentRequest(user_id=user.id, key=key, fingerprint=fingerprint)
    db.add(claim)
    try:
        await db.flush()  # waits for a repeat's transaction that holds the key, then fails if it committed
    except IntegrityError:
        await db.rollback()
        first = await db.scalar(select(IdempotentRequest).where(IdempotentRequest.user_id == user.id,
                                                                IdempotentRequest.key == key))
        return _again(request, first, fingerprint)
    answer = await create()
    claim.answer = crypto.encrypt(request.app.state.settings, json.dumps(answer, default=str))
    await db.commit()
    return Response(answer, status_code=claim.status_code)


def _again(request: Request, first: IdempotentRequest | None, fingerprint: str) -> Response:
    if first is None or first.answer is None:  # purged or rolled back in between: cannot tell; ask to send again
        raise InvalidInput.one(HEADER, _("could not be matched to its first request; send the request again"))
    if first.fingerprint != fingerprint:
        problem = FieldError(HEADER, _("was used for another request: send a new key for each new record"))
        return Response({"status_code": 422, "detail": _("invalid input"), "errors": [problem.as_dict()]},
                        status_code=422)
    answer = json.loads(crypto.decrypt(request.app.state.settings, first.answer) or "null")
    return Response(answer, status_code=first.status_code, headers={"Idempotent-Replayed": "true"})
