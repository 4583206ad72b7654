"""Daily reminders at each country's local reminder hour, once per country and day, honouring opt-outs; mail waits
out an SMTP outage."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from opsplatform.mail.outbox import deliver_due
from opsplatform.models.mail import OutboxMessage
from opsplatform.models.notifications import Notification
from opsplatform.models.operations import FocalPoint
from opsplatform.seizures.reminders import send_reminders
from opsplatform.seizures.returns import record_nil_return
from tests.conftest import body_of, form_post, login
from tests.results_support import ACTIVE, active_operation, member

# East Africa is UTC+3: 06:30 UTC is 09:30 in Nairobi and Dar es Salaam, 01:30 in Lima.
MORNING = datetime(2026, 10, 6, 6, 30, tzinfo=UTC)
YESTERDAY = date(2026, 10, 5)


@pytest.fixture
async def thunder(db, cast):
    operation = await active_operation(db, countries=[*ACTIVE["countries"], {"country": "PER", "publicity": "named"}])
    for user, country in ((cast.kenya, "KEN"), (cast.tanzania, "TZA")):
        db.add(FocalPoint(operation_id=operation.id, country_code=country, user_id=user.id))
    await db.commit()
    await record_nil_return(db, await member(db, cast.tanzania, operation), "TZA", YESTERDAY,
                            today=MORNING.date())  # Tanzania said so
    await db.commit()
    return operation


async def mail_to(db, address: str) -> list[OutboxMessage]:
    await db.commit()
    return list((await db.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address))).all())


async def test_a_silent_country_is_reminded_at_its_local_hour_once(db, settings, cast, thunder):
    assert await send_reminders(db, settings, MORNING.replace(hour=5, minute=59)) == 0  # 08:59 in Nairobi
    assert await send_reminders(db, settings, MORNING) == 1
    [message] = await mail_to(db, cast.kenya.email)
    assert message.subject == "THUNDER-2026: nothing reported from Kenya for 2026-10-05"
    assert "neither a seizure nor a nil return" in message.body_text and "/account" in message.body_text
    assert not await mail_to(db, cast.tanzania.email)  # a nil return is a report
    assert await send_reminders(db, settings, MORNING.replace(hour=7)) == 0  # never twice for one day
    notes = (await db.scalars(select(Notification.user_id).where(Notification.kind == "reminder"))).all()
    assert notes == [cast.kenya.id]


async def test_each_country_is_reminded_on_its_own_clock(db, settings, cast, thunder):
    peru = await create_focal_point(db, "PER")
    await send_reminders(db, settings, MORNING)
    assert not await mail_to(db, peru.email)  # 01:30 in Lima
    assert await send_reminders(db, settings, MORNING.replace(hour=14, minute=30)) == 1  # 09:30 in Lima
    [message] = await mail_to(db, peru.email)
    assert "2026-10-05" in message.subject


async def create_focal_point(db, country: str):  # type: ignore[no-untyped-def]
    from opsplatform.auth.services import create_user
    from opsplatform.models.operations import Operation

    user = await create_user(db, email=f"fp@{country.lower()}.test", name=f"Focal {country}", role="focal_point",
                             country=country, language="es")
    operation = await db.scalar(select(Operation))
    db.add(FocalPoint(operation_id=operation.id, country_code=country, user_id=user.id))
    await db.commit()
    return user


async def test_a_focal_point_who_opted_out_gets_no_reminder(client, db, settings, cast, thunder):
    await login(client, cast.kenya)
    response = await form_post(client, "/account/reminders", {})  # the switch unticked
    assert response.status_code in (302, 303)
    assert await send_reminders(db, settings, MORNING) == 0
    assert not await mail_to(db, cast.kenya.email)
    await form_post(client, "/account/reminders", {"reminders": "on"})
    await send_reminders(db, settings, MORNING.replace(day=7))  # back on: the next silent day, Kenya hears of it
    assert [m.subject[-10:] for m in await mail_to(db, cast.kenya.email)] == ["2026-10-06"]


async def test_two_schedulers_send_each_reminder_once(db, settings, cast, thunder, makers):
    async def instance(maker):  # type: ignore[no-untyped-def]
        async with maker() as session:
            return await send_reminders(session, settings, MORNING)

    sent = await asyncio.gather(*(instance(maker) for maker in makers))
    assert sorted(sent) == [0, 1]
    assert len(await mail_to(db, cast.kenya.email)) == 1


async def test_a_missed_morning_catches_up_once(db, settings, cast, thunder):
    # The app was down from 08:00 to 13:00 in Nairobi: it comes back and reminds once.
    assert await send_reminders(db, settings, MORNING.replace(hour=10)) == 1
    assert await send_reminders(db, settings, MORNING.replace(hour=11)) == 0
    assert len(await mail_to(db, cast.kenya.email)) == 1


async def test_an_smtp_outage_delays_a_reminder_without_losing_it(db, settings, cast, thunder, smtp):
    await send_reminders(db, settings, MORNING)
    await db.commit()
    assert await deliver_due(db, settings, MORNING) == 0  # nothing listens on settings.smtp_port
    [waiting] = await mail_to(db, cast.kenya.email)
    assert (waiting.status, waiting.attempts) == ("queued", 1)
    up = settings.__class__(**{**settings.__dict__, "smtp_port": smtp.port})
    assert await deliver_due(db, up, MORNING.replace(hour=7)) == 1
    [received] = smtp.to(cast.kenya.email)
    assert "nothing reported from Kenya" in received["Subject"] and "nil return" in body_of(received)
