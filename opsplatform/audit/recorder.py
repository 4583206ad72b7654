"""Writes an audit event for every insert, update and delete of an `Audited` model, in the same transaction.

One listener on every ORM session means no service can forget to audit: the actor comes from
`session.info["actor"]` (set per request, per CLI command, per job), else "system". Events are noted at each flush
and saved together at the commit (one insert), or dropped with a rollback.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from opsplatform.database import utcnow
from opsplatform.models.audit import AuditEvent
from opsplatform.models.audited import Audited

REDACTED = "[redacted]"
PENDING = "audit_pending"  # events of the transaction, saved at its commit


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _shown(obj: Audited, key: str, value: Any) -> Any:
    return REDACTED if key in obj.__audit_redact__ and value is not None else _plain(value)


def _snapshot(obj: Audited) -> dict[str, Any]:
    return {key: _shown(obj, key, getattr(obj, key)) for key in _columns(type(obj))}


@cache
def _columns(model: type[Audited]) -> tuple[str, ...]:
    return tuple(attr.key for attr in inspect(model).column_attrs)


def _changes(obj: Audited) -> tuple[dict[str, Any], dict[str, Any]]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old != new:
                before[attr.key] = _shown(obj, attr.key, old)
                after[attr.key] = _shown(obj, attr.key, new)
    return before, after


def _identity(obj: Audited) -> str:
    return ",".join(str(v) for v in inspect(obj).mapper.primary_key_from_instance(obj))


def record(session: Session | AsyncSession, action: str, entity: str, entity_id: str | None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    """Add one event by hand (logins, bulk imports, exports), attributed to the session's actor; saved on commit."""
    _pending(session.sync_session if isinstance(session, AsyncSession) else session).append(
        (action, entity, entity_id, before, after))


def _pending(session: Session) -> list[tuple[str, str, str | None, Any, Any]]:
    return session.info.setdefault(PENDING, [])


def _created(obj: Audited) -> tuple[str, str, str | None, Any, Any]:
    return "create", obj.__tablename__, _identity(obj), None, _snapshot(obj)


async def insert_audited(session: AsyncSession, model: type[Audited], rows: list[dict[str, Any]]) -> list[Any]:
    """Insert rows of an audited model in one statement, returned as its objects in row order, each with the event a
    flush would note: for the busiest writes, which need none of a flush's bookkeeping."""
    if not rows:
        return []
    # Empty values written as NULL rather than left out, so rows with different empty fields go in one batch.
    made = list((await session.scalars(insert(model).returning(model, sort_by_parameter_order=True), rows,
                                       execution_options={"render_nulls": True})).all())
    _pending(session.sync_session).extend(_created(obj) for obj in made)
    return made


def _audit_flush(session: Session, _flush_context: Any) -> None:
    """Note the changes this flush wrote, now that new rows have their ids; the commit saves them all at once."""
    rows = _pending(session)
    for obj in session.new:
        if isinstance(obj, Audited):
            rows.append(_created(obj))
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after:
                rows.append(("update", obj.__tablename__, _identity(obj), before, after))
    for obj in session.deleted:
        if isinstance(obj, Audited):
            rows.append(("delete", obj.__tablename__, _identity(obj), _snapshot(obj), None))


def _save(session: Session) -> None:
    """One multi-row insert of the transaction's events, after its last flush."""
    session.flush()
    rows = session.info.pop(PENDING, None)
    if not rows:
        return
    actor_id, actor = session.info.get("actor", (None, "system"))
    now = utcnow()
    session.connection().execute(insert(AuditEvent.__table__), [
        {"at": now, "actor_id": actor_id, "actor": actor, "action": action, "entity": entity, "entity_id": entity_id,
         "before": before, "after": after} for action, entity, entity_id, before, after in rows])


def _forget(session: Session) -> None:
    session.info.pop(PENDING, None)


LISTENERS = (("after_flush", _audit_flush), ("before_commit", _save), ("after_rollback", _forget))


def install() -> None:
    """Record every change of an audited model in the audit log (wiring.install calls this at start)."""
    for name, listener in LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
