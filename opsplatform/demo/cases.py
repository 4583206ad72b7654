"""The demo's case exchange: follow-up on the closed operation, links between countries' records, a suspect match
and a few operation messages, made through the same services the app uses (so counts and notifications agree)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.cases.followup import record_case_event, record_disposal
from opsplatform.cases.links import decide_link, request_link
from opsplatform.cases.matching import find_matches
from opsplatform.cases.messages import post_message
from opsplatform.crypto import decrypt, document_hash, encrypt
from opsplatform.models.auth import User
from opsplatform.models.cases import SeizureLink
from opsplatform.models.operations import Operation, Phase
from opsplatform.models.seizures import COUNTED_STATUSES, Seizure, SeizureItem, Suspect
from opsplatform.models.vocabulary import CASE_STAGES
from opsplatform.policy import Member, member_of
from opsplatform.settings import Settings

COORDINATOR = "coordinator@demo.opsplatform.org"
ENDED = ("conviction", "sentence", "asset_forfeiture")  # a case that ended: the court decided on the specimens
ENDED_DISPOSALS = {"live": ("rescue_centre", "rescue_centre", "released_to_wild"),
                   "other": ("destroyed", "destroyed", "stored", "scientific_use")}


async def load_case_exchange(session: AsyncSession, settings: Settings, today: date,
                             echo: Callable[[str], Any]) -> None:
    """Once per database: a few of everything the case exchange shows."""
    if await session.scalar(select(SeizureLink.id).limit(1)) is not None:
        return
    rng = random.Random(20261128)
    thunder = select(Operation).where(Operation.series == "THUNDER").order_by(Operation.id)
    closed = await session.scalar(thunder.where(Operation.phase == Phase.closed))
    current = await session.scalar(thunder.where(Operation.phase == Phase.active))
    if closed is None or current is None:
        return
    events = await _follow_up(session, rng, closed, today)
    links = await _links(session, current)
    matches = await _match(session, settings, current, closed)
    messages = await _messages(session, settings, current)
    await session.commit()
    echo(f"  case exchange: {events} case events, {links} links, {matches} suspect match, {messages} messages")


async def _user(session: AsyncSession, *, email: str | None = None, country: str | None = None) -> User | None:
    query = select(User).where(User.email == email) if email else select(User).where(
        User.role == "focal_point", User.country_code == country).order_by(User.id)
    return await session.scalar(query.limit(1))


async def _member(session: AsyncSession, operation: Operation, **who: str) -> Member | None:
    """A demo account's place in the operation (the services act as members)."""
    user = await _user(session, **who)
    return await member_of(session, user, operation) if user is not None else None


async def _follow_up(session: AsyncSession, rng: random.Random, operation: Operation, today: date) -> int:
    """Months after the closed operation: investigations, charges, a few convictions and sentences, and what became
    of the specimens of a case that ended (from a generator of its own, so that the cases' steps stay as they were)."""
    coordinator = await _member(session, operation, email=COORDINATOR)
    if coordinator is None:
        return 0
    seizures = (await session.scalars(select(Seizure).where(
        Seizure.operation_id == operation.id, Seizure.status.in_(COUNTED_STATUSES), Seizure.suspects_arrested > 0)
        .order_by(Seizure.id).limit(40))).all()
    live = set((await session.scalars(select(SeizureItem.seizure_id).where(
        SeizureItem.seizure_id.in_([s.id for s in seizures]), SeizureItem.term_code == "LIV"))).all())
    disposals = random.Random(20261129)
    count = 0
    for seizure in seizures:
        furthest = rng.choice([0, 0, 1, 1, 2, 3, 3, 4, 5])
        day = operation.end_date
        for stage in CASE_STAGES[:furthest + 1]:
            day = min(day + timedelta(days=rng.randint(10, 60)), today)
            await record_case_event(session, coordinator, seizure, {"stage": stage, "date": day.isoformat()},
                                    today=today)
            count += 1
        if seizure.case_status in ENDED and seizure.disposal is None:
            await record_disposal(session, coordinator, seizure, {"disposal": disposals.choice(
                ENDED_DISPOSALS["live" if seizure.id in live else "other"])})
    return count


def _demo_countries_first(country: Any) -> Any:
    """Kenya and Tanzania (whose focal points are demo accounts) first, then the others."""
    return case((country == "KEN", 0), (country == "TZA", 1), else_=2)


async def _links(session: AsyncSession, operation: Operation) -> int:
    """Two countries saw the same shipment (accepted: it counts once), one asks the other about a network (pending:
    something to answer), a third ran a controlled delivery with the first."""
    counted = (Seizure.operation_id == operation.id, Seizure.status.in_(COUNTED_STATUSES))
    countries = (await session.scalars(select(Seizure.reporting_country).where(*counted)
                                       .group_by(Seizure.reporting_country)
                                       .order_by(_demo_countries_first(Seizure.reporting_country),
                                                 func.count().desc(), Seizure.reporting_country).limit(3))).all()
    if len(countries) < 2:
        return 0
    records = {c: list((await session.scalars(select(Seizure).where(*counted, Seizure.reporting_country == c)
                                              .order_by(Seizure.id).limit(3))).all()) for c in countries}
    plan = [(countries[0], countries[1], "same_shipment", True), (countries[0], countries[1], "network", False)]
    if len(countries) > 2:
        plan.append((countries[2], countries[0], "controlled_delivery", True))
    made = 0
    for asker_country, other_country, kind, accept in plan:
        if not records[asker_country] or not records[other_country]:
            continue
        mine, theirs = records[asker_country].pop(0), records[other_country].pop(0)
        asker = await _member(session, operation, country=asker_country)
        answerer = await _member(session, operation, country=other_country)
        if asker is None or answerer is None:
            continue
        link = await request_link(session, asker, mine, {
            "kind": kind, "other_country": theirs.reporting_country, "other_seizure_ref": theirs.seizure_ref,
            "note": "same container number in both files"})
        if accept:
            await decide_link(session, answerer, link, True, "confirmed by our investigators")
        made += 1
    return made


async def _match(session: AsyncSession, settings: Settings, current: Operation, closed: Operation) -> int:
    """A courier of last year's operation travels again, on a passport another country records this year."""
    this_year = await session.scalar(select(Suspect).join(Seizure, Seizure.id == Suspect.seizure_id).where(
        Seizure.operation_id == current.id, Suspect.document_number_encrypted.is_not(None))
        .order_by(_demo_countries_first(Seizure.reporting_country), Suspect.id))
    if this_year is None:
        return 0
    country = await session.scalar(select(Seizure.reporting_country).where(Seizure.id == this_year.seizure_id))
    last_year = await session.scalar(select(Suspect).join(Seizure, Seizure.id == Suspect.seizure_id).where(
        Seizure.operation_id == closed.id, Seizure.reporting_country != country,
        Seizure.status.in_(COUNTED_STATUSES)).order_by(_demo_countries_first(Seizure.reporting_country), Suspect.id))
    if last_year is None:
        return 0
    number = decrypt(settings, this_year.document_number_encrypted)
    last_year.document_number_encrypted = encrypt(settings, number)
    last_year.document_hash = document_hash(settings, number)
    await session.flush()
    return await find_matches(session, await session.get(Seizure, last_year.seizure_id))


async def _messages(session: AsyncSession, settings: Settings, operation: Operation) -> int:
    kenya, tanzania = await _member(session, operation, country="KEN"), await _member(session, operation, country="TZA")
    coordinator = await _member(session, operation, email=COORDINATOR)
    if kenya is None or tanzania is None or coordinator is None:
        return 0
    alert = await post_message(session, settings, kenya, {
        "kind": "alert", "subject": "Ivory cut to fit cashew sacks, air cargo NBO → DXB → HAN",
        "body": "Three consignments declared as cashew nuts held tusk pieces cut to 30 cm.\n\n"
                "- Check cashew and dried fruit to Hanoi via Dubai.\n- X-ray shows denser cores in the sacks."}, [])
    await post_message(session, settings, tanzania, {
        "body": "Same concealment seen at Dar es Salaam seaport last week, with the same forwarding agent."}, [],
        parent=alert)
    await post_message(session, settings, coordinator, {
        "kind": "alert", "subject": "East Africa: forged CITES permits on timber consignments",
        "body": "Permits with a wrong security stamp are circulating; check the serial numbers with the issuing "
                "Management Authority.", "audience": "region", "audience_code": "002",
        "nominal": "The permits were presented by the same clearing agent in both cases."}, [])
    return 3
