"""Notify users, count and list their notifications, mark them read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.database import bulk_insert, utcnow
from opsplatform.i18n import gettext
from opsplatform.models.notifications import Notification


async def notify(session: AsyncSession, user_ids: Iterable[int | None], *, kind: str, text: str,
                 link: str | None = None, params: dict[str, Any] | None = None, now: datetime | None = None) -> int:
    """Tell each user (once, however often listed) in the caller's transaction; returns how many were told.

    `text` is an untranslated message marked with `N_` (e.g. N_("Your record %(ref)s was queried")) and `params`
    its values: each reader sees it in their own language.
    """
    recipients = sorted({uid for uid in user_ids if uid is not None})
    created = now or utcnow()
    await bulk_insert(session, Notification.__table__, [
        {"user_id": uid, "kind": kind, "text": text, "params": params or {}, "link": link, "created_at": created,
         "read_at": None} for uid in recipients])
    return len(recipients)


def shown(notification: Notification) -> str:
    """The notification's text in the current language."""
    return gettext(notification.text, **notification.params) if notification.params else gettext(notification.text)


async def unread_count(session: AsyncSession, user_id: int) -> int:
    return await session.scalar(select(func.count()).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


async def latest(session: AsyncSession, user_id: int, limit: int = 100) -> Sequence[Notification]:
    return (await session.scalars(select(Notification).where(Notification.user_id == user_id)
                                  .order_by(Notification.created_at.desc(), Notification.id.desc())
                                  .limit(limit))).all()


async def own(session: AsyncSession, user_id: int, notification_id: int) -> Notification | None:
    return await session.scalar(select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user_id))


async def mark_read(session: AsyncSession, user_id: int, notification_id: int | None = None,
                    now: datetime | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of the user as read."""
    query = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = await session.execute(query.values(read_at=now or utcnow()))
    await session.commit()
    return result.rowcount
