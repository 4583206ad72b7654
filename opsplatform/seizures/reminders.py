"""Daily reminders: a country that logged neither a seizure nor a nil return for its previous day hears about it
once, when its own clock passes the reminder hour; focal points may opt out."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.database import claim
from opsplatform.i18n import N_, _, language
from opsplatform.labels import country_name
from opsplatform.mail.outbox import queue_mail
from opsplatform.models.auth import User
from opsplatform.models.operations import Operation, Participant, Phase
from opsplatform.models.reference import Country
from opsplatform.models.seizures import Reminder
from opsplatform.notifications.services import notify
from opsplatform.operations.focal_points import country_focal_points
from opsplatform.rendering.templates import render
from opsplatform.seizures.returns import silent_countries
from opsplatform.settings import Settings


def due_day(operation: Operation, zone: str | None, now: datetime, hour: int) -> date | None:
    """The day to remind a country about: its local yesterday, once its local clock has reached `hour`."""
    local = now.astimezone(ZoneInfo(zone or "UTC"))
    day = local.date() - timedelta(days=1)
    return day if local.hour >= hour and operation.start_date <= day <= operation.end_date else None


async def send_reminders(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Returns how many focal points were reminded. Each (operation, country, day) is claimed first, so a country is
    reminded once however often and on however many instances this runs, and a run after downtime catches up."""
    reminded = 0
    # National registers are kept when there is something to log: no day of theirs is ever due.
    running = (await session.scalars(select(Operation).where(
        Operation.phase.in_((Phase.active, Phase.reporting)), Operation.register_country.is_(None))
        .order_by(Operation.id))).all()
    for operation in running:
        due: defaultdict[date, set[str]] = defaultdict(set)
        for country, zone in (await session.execute(
                select(Participant.country_code, Country.timezone)
                .join(Country, Country.alpha3 == Participant.country_code)
                .where(Participant.operation_id == operation.id))).all():
            if (day := due_day(operation, zone, now, settings.reminder_hour)) is not None:
                due[day].add(country)
        for day, countries in sorted(due.items()):
            for country in sorted(countries & set(await silent_countries(session, operation, day))):
                if await claim(session, Reminder.__table__, {"operation_id": operation.id, "country_code": country,
                                                             "day": day, "sent_at": now, "recipients": 0}) is None:
                    continue
                reminded += await _remind(session, settings, operation, country, day, now)
        await session.commit()
    return reminded


async def _remind(session: AsyncSession, settings: Settings, operation: Operation, country: str, day: date,
                  now: datetime) -> int:
    users = (await session.scalars(select(User).where(
        User.id.in_(country_focal_points(operation.id, country)), User.reminders_opt_out.is_(False)))).all()
    link = f"{settings.public_base_url}/operations/{operation.code}"
    for user in users:
        with language(user.language):
            name = country_name(country)
            subject = _("%(operation)s: nothing reported from %(country)s for %(day)s", operation=operation.code,
                        country=name, day=day.isoformat())
            body = render("mail/reminder.txt", user=user, operation=operation, country=name, day=day, link=link,
                          account=f"{settings.public_base_url}/account")
        queue_mail(session, user.email, subject, body, now=now)
    await notify(session, [u.id for u in users], kind="reminder", link=f"/operations/{operation.code}",
                 text=N_("Nothing reported from %(country)s for %(day)s in %(operation)s: "
                         "log seizures or a nil return"),
                 params={"country": country, "day": day.isoformat(), "operation": operation.code}, now=now)
    await session.execute(Reminder.__table__.update().where(
        Reminder.operation_id == operation.id, Reminder.country_code == country, Reminder.day == day)
        .values(recipients=len(users)))
    return len(users)
