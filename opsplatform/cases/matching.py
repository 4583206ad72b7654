"""Suspect matching without sharing names: two countries' records holding the same document number (compared by its
keyed hash, `crypto.document_hash`) are a match; both countries' cleared users are told whom to contact, and
neither sees the other's nominal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from opsplatform import policy
from opsplatform.audit.recorder import record
from opsplatform.database import claim, utcnow
from opsplatform.i18n import N_
from opsplatform.models.auth import User
from opsplatform.models.cases import SuspectMatch
from opsplatform.models.operations import Operation
from opsplatform.models.seizures import Seizure, SeizureStatus, Suspect
from opsplatform.notifications.services import notify
from opsplatform.operations.focal_points import country_focal_points


@dataclass(frozen=True)
class Side:
    seizure_id: int
    seizure_ref: str
    country: str
    operation_id: int
    operation_code: str


async def find_matches(session: AsyncSession, seizure: Seizure) -> int:
    """Record each new match of this record's suspects with another country's record, and tell both sides."""
    hashes = select(Suspect.document_hash).where(Suspect.seizure_id == seizure.id, Suspect.document_hash.is_not(None))
    others = (await session.scalars(select(Seizure.id).join(Suspect, Suspect.seizure_id == Seizure.id).where(
        Suspect.document_hash.in_(hashes), Seizure.reporting_country != seizure.reporting_country,
        Seizure.status != SeizureStatus.withdrawn).distinct())).all()
    found = 0
    for other_id in others:
        first, second = sorted((seizure.id, other_id))
        values = {"seizure_id": first, "other_seizure_id": second, "found_at": utcnow()}
        # Claimed, not checked then added: of concurrent finders exactly one records the match and tells both sides.
        if (match_id := await claim(session, SuspectMatch.__table__, values)) is None:
            continue
        record(session, "create", SuspectMatch.__tablename__, str(match_id), None,
               {"id": match_id, **values, "found_at": values["found_at"].isoformat()})
        a, b = await _side(session, first), await _side(session, second)
        for own, other in ((a, b), (b, a)):
            await notify(session, await _told(session, own), kind="match",
                         text=N_("A suspect's document number in your record %(ref)s (%(operation)s) matches a "
                                 "suspect recorded by %(country)s in %(other_operation)s. Contact: %(contacts)s"),
                         link="/matches",
                         params={"ref": own.seizure_ref, "operation": own.operation_code, "country": other.country,
                                 "other_operation": other.operation_code,
                                 "contacts": ", ".join(f"{name} <{email}>" for name, email in
                                                       await contacts(session, other))})
        found += 1
    return found


async def _side(session: AsyncSession, seizure_id: int) -> Side:
    row = (await session.execute(select(Seizure.id, Seizure.seizure_ref, Seizure.reporting_country,
                                        Seizure.operation_id, Operation.code)
                                 .join(Operation, Operation.id == Seizure.operation_id)
                                 .where(Seizure.id == seizure_id))).one()
    return Side(*row)


async def _told(session: AsyncSession, side: Side) -> set[int]:
    """A side's cleared focal points on its operation; if it has none, the operation's cleared coordinators who reach
    its country (a network's coordinator is told of its network's countries only)."""
    focal = set((await session.scalars(country_focal_points(side.operation_id, side.country)
                                       .where(User.cleared_for_nominal))).all())
    if focal:
        return focal
    return set((await session.scalars(policy.operation_coordinators(side.operation_id, side.country)
                                      .where(User.cleared_for_nominal))).all())


async def contacts(session: AsyncSession, side: Side) -> list[tuple[str, str]]:
    """Whom the other country contacts: this side's focal points for that operation, else the coordinators who reach
    its country."""
    users = select(User.name, User.email).order_by(User.name)
    found = (await session.execute(users.where(User.id.in_(country_focal_points(side.operation_id, side.country)))))
    rows = [tuple(r) for r in found.all()]
    if rows:
        return rows
    return [tuple(r) for r in (await session.execute(users.where(
        User.id.in_(policy.operation_coordinators(side.operation_id, side.country))))).all()]


@dataclass
class MatchView:
    found_at: datetime
    own: Side | None  # the viewer's country's side (focal points); None for coordinators and analysts
    sides: list[Side]
    contacts: dict[int, list[tuple[str, str]]]


async def matches_for(session: AsyncSession, user: User) -> list[MatchView]:
    """The matches a cleared user is told of: a focal point those of its country; a coordinator or an analyst those
    between records it sees. Callers check `policy.cleared_member` first."""
    a, b = aliased(Seizure), aliased(Seizure)
    op_a, op_b = aliased(Operation), aliased(Operation)
    query = (select(SuspectMatch.found_at,
                    a.id, a.seizure_ref, a.reporting_country, a.operation_id, op_a.code,
                    b.id, b.seizure_ref, b.reporting_country, b.operation_id, op_b.code)
             .join(a, a.id == SuspectMatch.seizure_id).join(b, b.id == SuspectMatch.other_seizure_id)
             .join(op_a, op_a.id == a.operation_id).join(op_b, op_b.id == b.operation_id)
             .order_by(SuspectMatch.found_at.desc(), SuspectMatch.id.desc()))
    country = policy.account_country(user)
    if country:  # its country's side, in an operation it is still in
        query = query.where(or_(and_(a.reporting_country == country, policy.records_anywhere(user, a)),
                                and_(b.reporting_country == country, policy.records_anywhere(user, b))))
    else:
        query = query.where(policy.records_anywhere(user, a), policy.records_anywhere(user, b))
    found: list[tuple[datetime, Side | None, list[Side]]] = []
    for row in (await session.execute(query.limit(500))).all():
        sides = [Side(*row[1:6]), Side(*row[6:11])]
        own = next((s for s in sides if s.country == country), None) if country else None
        found.append((row[0], own, sides))
    # Each (operation, country) side's contacts once, however many matches it is part of.
    known: dict[tuple[int, str], list[tuple[str, str]]] = {}
    for _found_at, own, sides in found:
        for s in sides:
            if s is not own and (s.operation_id, s.country) not in known:
                known[(s.operation_id, s.country)] = await contacts(session, s)
    return [MatchView(found_at, own, sides,
                      {s.seizure_id: known[(s.operation_id, s.country)] for s in sides if s is not own})
            for found_at, own, sides in found]


def match_json(view: MatchView) -> dict[str, Any]:
    """A match as the API gives it: for a focal point its own record and the other side's country and contacts only."""
    def side(s: Side, own: bool) -> dict[str, Any]:
        shown = {"country": s.country, "operation": s.operation_code}
        if own or view.own is None:
            shown |= {"seizure_id": s.seizure_id, "seizure_ref": s.seizure_ref}
        if s.seizure_id in view.contacts:
            shown["contacts"] = [{"name": n, "email": e} for n, e in view.contacts[s.seizure_id]]
        return shown
    return {"found_at": view.found_at.isoformat(),
            "sides": [side(s, view.own is not None and s.seizure_id == view.own.seizure_id) for s in view.sides]}
