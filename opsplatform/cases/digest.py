"""The daily e-mail digest of operation messages: each member gets one message a day listing what was posted since
the previous digest that they may read. Nominal sections never travel by e-mail."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.i18n import _, language
from opsplatform.mail.outbox import queue_mail
from opsplatform.models.auth import User
from opsplatform.models.cases import OperationMessage
from opsplatform.models.jobs import JobRun
from opsplatform.models.operations import Operation
from opsplatform.rendering.templates import render
from opsplatform.settings import Settings

JOB = "message_digest"


async def send_digests(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Queue one digest per member with new messages; returns how many were queued.

    The digest covers messages posted since the previous successful run started (its `now`), so a message is in
    exactly one digest even after downtime or a run by hand; the first run looks back one day.
    """
    since = await session.scalar(select(func.max(JobRun.started_at)).where(
        JobRun.job == JOB, JobRun.outcome == "ok", JobRun.started_at < now)) or now - timedelta(days=1)
    posted = (await session.execute(
        select(OperationMessage, Operation).join(Operation, Operation.id == OperationMessage.operation_id)
        .where(OperationMessage.created_at >= since, OperationMessage.created_at < now)
        .order_by(Operation.code, OperationMessage.created_at, OperationMessage.id))).all()
    per_reader: dict[int, list[tuple[OperationMessage, Operation]]] = {}
    readers_of: dict[tuple[int, str, str | None], set[int]] = {}
    for message, operation in posted:
        key = (operation.id, message.audience, message.audience_code)
        if key not in readers_of:
            readers_of[key] = set((await session.scalars(policy.message_readers(*key))).all())
        for reader in readers_of[key] - {message.author_id}:
            per_reader.setdefault(reader, []).append((message, operation))
    if not per_reader:
        return 0
    base = settings.public_base_url.rstrip("/")
    users = (await session.scalars(select(User).where(User.id.in_(per_reader), User.is_active))).all()
    for user in users:
        entries = per_reader[user.id]
        with language(user.language):
            queue_mail(session, user.email,
                       _("%(n)s new operation messages", n=len(entries)) if len(entries) > 1
                       else _("1 new operation message"),
                       render("mail/message_digest.txt", user=user, entries=entries, base=base), now=now)
    await session.commit()
    return len(users)
