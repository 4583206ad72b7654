"""Aggregate consent: whose figures a member sees by country, and who is named."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true

from opsplatform.models.auth import Role, User
from opsplatform.models.operations import Operation, Participant, Publicity
from opsplatform.models.seizures import Seizure
from opsplatform.policy.members import Member

FEWEST_UNNAMED = 3  # countries counted without their names hide among at least this many of them


def aggregate_access(member: Member, country: Any = Seizure.reporting_country, *,
                     narrowed: bool = False) -> ColumnElement[bool]:
    """Which seizures count in the figures a member sees: every country's for those who handle records; for a press
    officer only countries whose consent lets the release show them (`named` or `aggregate`), and only `named` ones
    once the figures are narrowed to some countries, so that no filter isolates a country that agreed only to count
    in the totals. What is published (`public_view`) counts `aggregate` ones only while at least FEWEST_UNNAMED
    countries gave that consent: fewer would be revealed by subtracting the named countries from the totals.
    `country` defaults to the seizure's; the figures pass their own. The consents are the member's operation's,
    read by uncorrelated subqueries (run once, not once a row)."""
    if member.role == Role.press_officer:
        operation_id = member.operation.id
        if narrowed:
            return country.in_(named_countries(operation_id))
        unnamed = Participant.publicity == Publicity.aggregate
        if member.user is PUBLIC:
            among = select(func.count()).select_from(aggregate_countries(operation_id).subquery())
            unnamed = and_(unnamed, among.scalar_subquery() >= FEWEST_UNNAMED)
        # One list of countries (a single hashed subquery): the counted records are then read from their index alone.
        return country.in_(select(Participant.country_code).where(
            Participant.operation_id == operation_id, or_(Participant.publicity == Publicity.named, unnamed)))
    if member.role in (Role.focal_point, Role.coordinator, Role.analyst):
        return true()
    return false()


PUBLIC = User(id=None, email="release", name="release", role=Role.press_officer)


def public_view(operation: Operation) -> Member:
    """The operation as its public release counts it, of no one in particular: a press officer's view (the countries
    that consented, named only those that agreed to be), without the countries that agreed only to count in the
    totals when too few did. What anyone outside its closed group may be shown of it."""
    return Member(PUBLIC, operation, Role.press_officer)


def names_only_consenting(member: Member) -> bool:
    """A press officer sees a country by name only if it consented to be named; others are folded into 'other'."""
    return member.role == Role.press_officer


def named_countries(operation_id: Any) -> Select:
    """The participants of an operation that consented to be named in public figures."""
    return select(Participant.country_code).where(Participant.operation_id == operation_id,
                                                  Participant.publicity == Publicity.named)


def aggregate_countries(operation_id: Any) -> Select:
    """The participants whose figures count in public totals without their name."""
    return select(Participant.country_code).where(Participant.operation_id == operation_id,
                                                  Participant.publicity == Publicity.aggregate)
