"""The mail outbox: delivery through a real SMTP server on loopback, and retries after an outage."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from opsplatform.database import utcnow
from opsplatform.mail.outbox import MAX_ATTEMPTS, backoff, deliver_due, queue_mail, retry_failed
from opsplatform.models.mail import OutboxMessage
from opsplatform.settings import replace
from tests.conftest import body_of


async def test_queued_mail_is_delivered_through_smtp(db, settings, smtp):
    settings = replace(settings, smtp_port=smtp.port)
    queue_mail(db, "fp@kws.test", "Daily reminder", "Please log yesterday's results.")
    await db.commit()
    assert await deliver_due(db, settings, utcnow()) == 1
    [message] = smtp.messages
    assert message["To"] == "fp@kws.test" and message["Subject"] == "Daily reminder"
    assert "log yesterday's results" in body_of(message)
    stored = await db.scalar(select(OutboxMessage))
    assert stored.status == "sent" and stored.sent_at is not None
    assert await deliver_due(db, settings, utcnow()) == 0  # sent once only


async def test_mail_waits_while_the_server_is_down_and_goes_out_when_it_is_back(db, settings, smtp):
    now = utcnow()
    queue_mail(db, "coordinator@wco.test", "Sitrep", "Figures attached.", now=now)
    await db.commit()
    assert await deliver_due(db, settings, now) == 0  # settings.smtp_port: nothing listens there
    message = await db.scalar(select(OutboxMessage))
    await db.refresh(message)
    assert (message.status, message.attempts) == ("queued", 1)
    assert message.last_error and message.next_attempt_at == now + backoff(1)
    up = replace(settings, smtp_port=smtp.port)
    assert await deliver_due(db, up, now + timedelta(seconds=30)) == 0  # not due yet: back-off is respected
    assert await deliver_due(db, up, now + backoff(1)) == 1
    assert [m["Subject"] for m in smtp.messages] == ["Sitrep"]


async def test_back_off_grows_and_is_capped():
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(30) == timedelta(hours=2)


async def test_a_message_gives_up_after_many_attempts_and_an_admin_can_retry_it(db, settings, smtp):
    now = utcnow()
    queue_mail(db, "x@y.test", "Hello", "Body", now=now)
    await db.commit()
    for _ in range(MAX_ATTEMPTS):
        await deliver_due(db, settings, now)
        now += timedelta(hours=3)
    message = await db.scalar(select(OutboxMessage))
    await db.refresh(message)
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)
    assert await deliver_due(db, settings, now) == 0
    assert await retry_failed(db, message.id, now)
    assert await deliver_due(db, replace(settings, smtp_port=smtp.port), now) == 1


async def test_two_senders_never_send_the_same_message_twice(db, settings, smtp):
    import asyncio

    from opsplatform.database import make_engine, make_sessionmaker

    up = replace(settings, smtp_port=smtp.port)
    for n in range(6):
        queue_mail(db, f"fp{n}@test.test", f"Reminder {n}", "Body")
    await db.commit()
    engines = [make_engine(settings.database_url) for _ in range(2)]
    sessions = [make_sessionmaker(e)() for e in engines]
    try:
        sent = await asyncio.gather(*(deliver_due(s, up, utcnow()) for s in sessions))
    finally:
        for s in sessions:
            await s.close()
        for e in engines:
            await e.dispose()
    assert sum(sent) == 6
    assert sorted(m["Subject"] for m in smtp.messages) == [f"Reminder {n}" for n in range(6)]
