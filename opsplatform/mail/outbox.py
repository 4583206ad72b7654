"""Queue mail in the database; deliver it over SMTP with retries and back-off, so an outage loses nothing."""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.models.mail import OutboxMessage
from opsplatform.settings import Settings

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 12
SENDING_LEASE = timedelta(minutes=5)


def queue_mail(session: AsyncSession, to: str, subject: str, body_text: str, body_html: str | None = None,
               *, now: datetime | None = None) -> OutboxMessage:
    """Add a message to the outbox; it is sent after the caller's transaction commits."""
    message = OutboxMessage(to_address=to, subject=subject, body_text=body_text, body_html=body_html)
    if now is not None:
        message.created_at = message.next_attempt_at = now
    session.add(message)
    return message


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, … minutes between tries, at most 2 hours."""
    return timedelta(minutes=min(2 ** (attempts - 1), 120))


def _send(settings: Settings, message: OutboxMessage) -> None:
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    smtp_class = smtplib.SMTP_SSL if settings.smtp_security == "tls" else smtplib.SMTP
    with smtp_class(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(email)


def _is_due(now: datetime):  # type: ignore[no-untyped-def]
    """Queued and due, or stuck in `sending` past the lease (its sender died mid-way)."""
    return or_((OutboxMessage.status == "queued") & (OutboxMessage.next_attempt_at <= now),
               (OutboxMessage.status == "sending") & (OutboxMessage.next_attempt_at <= now - SENDING_LEASE))


async def deliver_due(session: AsyncSession, settings: Settings, now: datetime, limit: int = 100) -> int:
    """Send every message that is due; returns how many were sent. Safe to run on several instances at once."""
    due = (await session.scalars(
        select(OutboxMessage.id).where(_is_due(now)).order_by(OutboxMessage.next_attempt_at).limit(limit))).all()
    sent, failed = 0, []
    for message_id in due:
        # Claim the message: only one instance's conditional UPDATE matches.
        claimed = await session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id, _is_due(now))
            .values(status="sending", next_attempt_at=now))
        await session.commit()
        if claimed.rowcount != 1:
            continue
        message = await session.get(OutboxMessage, message_id, populate_existing=True)
        assert message is not None
        try:
            await asyncio.to_thread(_send, settings, message)
        except (OSError, smtplib.SMTPException) as exc:
            message.attempts += 1
            message.last_error = f"{type(exc).__name__}: {exc}"[:500]
            message.status = "failed" if message.attempts >= MAX_ATTEMPTS else "queued"
            message.next_attempt_at = now + backoff(message.attempts)
            failed.append(message)
        else:
            message.attempts += 1
            message.status = "sent"
            message.sent_at = now
            message.last_error = None
            sent += 1
        await session.commit()
    if failed:  # one line per run, not per message: an SMTP outage would otherwise flood the log
        log.warning("%s of %s due messages not sent (first: mail %s to %s, attempt %s: %s); they will be retried",
                    len(failed), len(due), failed[0].id, failed[0].to_address, failed[0].attempts, failed[0].last_error)
    return sent


async def retry_failed(session: AsyncSession, message_id: int, now: datetime) -> bool:
    """Put a message that gave up back in the queue (admin action)."""
    result = await session.execute(update(OutboxMessage).where(
        OutboxMessage.id == message_id, OutboxMessage.status == "failed")
        .values(status="queued", attempts=0, next_attempt_at=now))
    await session.commit()
    return result.rowcount == 1
