"""Aggregate consent: whose figures a member sees by country, and who is named."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, false, select, true

from opsplatform.models.auth import Role, User
from opsplatform.models.operations import Operation, Participant, Publicity
from opsplatform.models.seizures import Seizure
from opsplatform.policy.members import Member


def aggregate_access(member: Member, country: Any = Seizure.reporting_country, *,
                     narrowed: bool = False) -> ColumnElement[bool]:
    """Which seizures count in the figures a member sees: every country's for those who handle records; for a press
    officer only countries whose consent lets the release show them (`named` or `aggregate`), and only `named` ones
    once the figures are narrowed to some countries, so that no filter isolates a country that agreed only to count
    in the totals. `country` defaults to the seizure's; the figures pass their own. The consents are the member's
    operation's, named as a value: a subquery correlated to each row would be run once a row."""
    if member.role == Role.press_officer:
        consents = (Publicity.named,) if narrowed else (Publicity.named, Publicity.aggregate)
        return country.in_(select(Participant.country_code).where(
            Participant.operation_id == member.operation.id, Participant.publicity.in_(consents)))
    if member.role in (Role.focal_point, Role.coordinator, Role.analyst):
        return true()
    return false()


PUBLIC = User(id=None, email="release", name="release", role=Role.press_officer)


def public_view(operation: Operation) -> Member:
    """The operation as its public release counts it, of no one in particular: a press officer's view (the countries
    that consented, named only those that agreed to be). What anyone outside its closed group may be shown of it."""
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
