"""Who may see and change what. The one place for access rules; every list, page, export and aggregate asks here.

Rules are expressed as SQL filters (`visible_…` return a Select or a WHERE clause), so that access is enforced
by the query itself and never by `if` checks scattered through controllers and templates.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.sql import Select

from opsplatform.auth.models import Role, User
from opsplatform.operations.models import Operation, Participant
from opsplatform.reference.models import NetworkMember
from opsplatform.seizures.models import Seizure

# What each role may do, by capability name. Country scoping comes on top, through the filters below.
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.admin: frozenset({"admin", "manage_users", "manage_reference", "view_audit", "view_outbox"}),
    Role.coordinator: frozenset({"view_operations", "manage_operations", "view_records", "log_records", "validate_records",
                                 "approve_release", "view_completeness"}),
    Role.focal_point: frozenset({"view_operations", "view_records", "log_records"}),
    Role.analyst: frozenset({"view_operations", "view_records", "view_completeness"}),
    Role.press_officer: frozenset({"view_operations", "draft_release"}),
}


def can(user: User | None, capability: str) -> bool:
    return user is not None and capability in CAPABILITIES.get(user.role, frozenset())


def _network_countries(network_code: str) -> Select:
    return select(NetworkMember.country_code).where(NetworkMember.network_code == network_code)


def visible_operations(user: User) -> Select[tuple[Operation]]:
    """Operations a user can open: all for the global roles, those its country takes part in for a focal point."""
    query = select(Operation)
    if user.role == Role.focal_point:
        return query.where(Operation.id.in_(
            select(Participant.operation_id).where(Participant.country_code == user.country_code)))
    if user.role == Role.coordinator and user.network_code:
        return query.where(Operation.id.in_(
            select(Participant.operation_id).where(Participant.country_code.in_(_network_countries(user.network_code)))))
    if can(user, "view_operations"):
        return query
    return query.where(false())


def seizure_access(user: User) -> ColumnElement[bool]:
    """WHERE clause for the seizures a user sees in full (every field but nominal data, which has its own rule)."""
    if user.role == Role.focal_point:
        own = Seizure.reporting_country == user.country_code
        # Shared records are open to every participant of the same operation.
        shared = and_(Seizure.shared_with_participants, Seizure.operation_id.in_(
            select(Participant.operation_id).where(Participant.country_code == user.country_code)))
        return or_(own, shared)
    if user.role == Role.coordinator and user.network_code:
        return Seizure.reporting_country.in_(_network_countries(user.network_code))
    if user.role in (Role.coordinator, Role.analyst):
        return true()
    return false()


def visible_seizures(user: User) -> Select[tuple[Seizure]]:
    return select(Seizure).where(seizure_access(user))


def may_change_seizure(user: User, seizure: Seizure) -> bool:
    """Focal points change their own country's records; coordinators correct any record they can see."""
    if user.role == Role.focal_point:
        return seizure.reporting_country == user.country_code
    return user.role == Role.coordinator


def sees_nominal(user: User, country_code: str) -> bool:
    """Names, dates of birth and document numbers: cleared users only, and a focal point only for its country.

    Which records a coordinator or analyst reaches at all is decided by `seizure_access` first.
    """
    if not user.cleared_for_nominal:
        return False
    if user.role == Role.focal_point:
        return country_code == user.country_code
    return user.role in (Role.coordinator, Role.analyst)


def may_use_second_factor(user: User) -> bool:
    """Coordinators and administrators may protect their login with a one-time code (their reach is widest)."""
    return user.role in (Role.coordinator, Role.admin)


def may_edit_operation(user: User) -> bool:
    """Create and edit operations, move phases, choose participants, targets and routes: global coordinators."""
    return user.role == Role.coordinator and not user.network_code


def managed_countries(user: User) -> Select | None:
    """Countries whose focal points and consents a coordinator manages: all (None) or its network's members."""
    if user.network_code:
        return _network_countries(user.network_code)
    return None


def may_manage_focal_points(user: User) -> bool:
    return user.role == Role.coordinator


def sees_directory(user: User) -> bool:
    """The focal-point directory is for the operation's members: coordinators, analysts and focal points."""
    return user.role in (Role.coordinator, Role.analyst, Role.focal_point)


def aggregate_access(user: User, country: Any = Seizure.reporting_country,
                     operation_id: Any = Seizure.operation_id) -> ColumnElement[bool]:
    """Which seizures count in the figures a user sees: every country's for members of the operation; for a press
    officer only countries whose consent lets the release show them (`named` or `aggregate`). `country` and
    `operation_id` default to the seizure's; the daily figures pass their own columns."""
    if user.role == Role.press_officer:
        return country.in_(select(Participant.country_code).where(
            Participant.operation_id == operation_id, Participant.publicity != "none"))
    if can(user, "view_records"):
        return true()
    return false()


def names_only_consenting(user: User) -> bool:
    """A press officer sees a country by name only if it consented to be named; others are folded into 'other'."""
    return user.role == Role.press_officer
