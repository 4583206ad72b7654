"""Which records a member reaches, logs, corrects, validates and sees in full (nominal data)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, true

from opsplatform.models.auth import Role, User
from opsplatform.models.seizures import Seizure, SheetImport
from opsplatform.policy.members import Member, can, may
from opsplatform.policy.membership import network_countries, operations_of


def reached(member: Member, country: Any) -> ColumnElement[bool]:
    return true() if member.countries is None else country.in_(sorted(member.countries))


def records(member: Member) -> ColumnElement[bool]:
    """WHERE clause for the operation's seizures the member sees in full (every field but nominal data): a focal
    point its country's and those other countries opened to all participants; coordinators and analysts those of
    the countries they reach."""
    in_operation = Seizure.operation_id == member.operation.id
    if member.role == Role.focal_point:
        # The operation named in each branch: each is then one index's (the country's slice, the shared records'),
        # where `operation AND (country OR shared)` read every record of the operation.
        return or_(and_(in_operation, Seizure.reporting_country == member.user.country_code),
                   and_(in_operation, Seizure.shared_with_participants))
    if member.role in (Role.coordinator, Role.analyst):
        return and_(in_operation, reached(member, Seizure.reporting_country))
    return false()


def records_anywhere(user: User, seizures: Any = Seizure) -> ColumnElement[bool]:
    """WHERE clause for the seizures a user sees in full across every operation of its own (search, matches, the
    annual report): `records` over all its memberships. `seizures` is Seizure or an alias of it (both sides of a
    match are read at once)."""
    s = seizures
    if user.role == Role.focal_point:  # its country's and the shared ones, of the operations it is still in
        return and_(s.operation_id.in_(operations_of(user)),
                    or_(s.reporting_country == user.country_code, s.shared_with_participants))
    if user.role in (Role.coordinator, Role.analyst):
        reached = s.reporting_country.in_(network_countries(user.network_code)) if user.network_code else true()
        return and_(s.operation_id.in_(operations_of(user, (Role.coordinator, Role.analyst))), reached)
    return false()


def may_log_for(member: Member, country: str) -> bool:
    """Record seizures, nil returns and sheets for `country`: its focal points, and coordinators reaching it."""
    return may(member, "log_records") and member.reaches(country)


def may_change(member: Member, seizure: Seizure) -> bool:
    """Correct, withdraw or follow up a record: its country's focal points; a coordinator who reaches it."""
    if member.role == Role.focal_point:
        return seizure.reporting_country == member.user.country_code
    return member.role == Role.coordinator and member.reaches(seizure.reporting_country)


def account_country(user: User) -> str | None:
    """The country an account speaks for (a focal point's), or None."""
    return user.country_code if user.role == Role.focal_point else None


def own_country(member: Member) -> str | None:
    """The country a member speaks for (a focal point's), or None."""
    return account_country(member.user) if member.role == Role.focal_point else None


def speaks_for_country(member: Member, country: str) -> bool:
    """The country's own word: its publicity consent, a record's approval for the release, its default sharing."""
    return own_country(member) == country


def corrects_for_others(member: Member, seizure: Seizure) -> bool:
    """A change made by someone other than the record's country: it carries a reason the country is told of."""
    return not speaks_for_country(member, seizure.reporting_country)


def may_correct_closed(member: Member) -> bool:
    """Once an operation is closed, only a coordinator corrects its records (with a reason the audit log keeps)."""
    return member.role == Role.coordinator


def may_validate(member: Member, seizure: Seizure) -> bool:
    return may(member, "validate_records") and member.reaches(seizure.reporting_country)


def sees_nominal(member: Member, country: str) -> bool:
    """Names, dates of birth and document numbers: cleared members reaching the record's country (a focal point
    only its own). Which records a member reaches at all is decided by `records` first."""
    return member.user.cleared_for_nominal and member.role in (Role.focal_point, Role.coordinator, Role.analyst) \
        and member.reaches(country)


# What an administrator administers: the audit page shows the values of these records' changes; of every other
# record (operations and their results belong to their closed groups) only who changed which one and when.
ADMINISTERED = frozenset({"users", "api_tokens", "outbox_messages", "job_runs", "countries", "regions", "networks",
                          "network_members", "organisations", "taxa", "trade_terms", "units", "currencies",
                          "airports"})


def sees_audit_values(user: User, entity: str) -> bool:
    return can(user, "administer") and entity in ADMINISTERED


def may_use_second_factor(user: User) -> bool:
    """Coordinators and administrators may protect their login with a one-time code (their reach is widest)."""
    return user.role in (Role.coordinator, Role.admin)


def sees_directory(member: Member) -> bool:
    """The focal-point directory is for those who handle records: coordinators, analysts and focal points."""
    return member.role in (Role.coordinator, Role.analyst, Role.focal_point)


def uploads(member: Member) -> ColumnElement[bool]:
    """The operation's uploaded sheets a member sees: those of the countries it logs for."""
    if not may(member, "log_records"):
        return false()
    return and_(SheetImport.operation_id == member.operation.id, reached(member, SheetImport.country_code))


def completeness_countries(member: Member) -> list[str] | None:
    """Whose rows of the daily returns grid a member sees: None is every participant."""
    return None if member.countries is None else sorted(member.countries)
