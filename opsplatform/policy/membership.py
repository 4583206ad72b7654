"""Who belongs to an operation, in which role, and who may lead or create one."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, false, literal, or_, select

from opsplatform.i18n import _
from opsplatform.models.auth import Role, User
from opsplatform.models.operations import FocalPoint, Operation, OperationMember, Participant
from opsplatform.models.reference import in_networks
from opsplatform.policy.members import HOLDABLE, TEAM_ROLES, Member, can


def network_countries(network_code: str) -> Select:
    return in_networks([network_code])


def revoked(operation_id: Any, user_id: Any) -> ColumnElement[bool]:
    """A focal point taken off the operation by a coordinator (its invitation revoked) is no longer a member."""
    # Correlated to whichever enclosing query names the operation, however deeply this is nested.
    return select(FocalPoint.id).where(FocalPoint.operation_id == operation_id, FocalPoint.user_id == user_id,
                                       FocalPoint.revoked_at.is_not(None)).correlate_except(FocalPoint).exists()


def operations_of(user: User, roles: tuple[str, ...] = (*TEAM_ROLES, Role.focal_point)) -> Select:
    """Ids of the operations where the user holds one of `roles`: its team's, or its country's as a focal point. An
    actor without an account (the command line, a scheduled job) is in every operation."""
    if user.id is None:
        return select(Operation.id)
    if user.role == Role.focal_point:
        if Role.focal_point not in roles:
            return select(Operation.id).where(false())
        return select(Participant.operation_id).where(Participant.country_code == user.country_code,
                                                      ~revoked(Participant.operation_id, user.id))
    return select(OperationMember.operation_id).where(OperationMember.user_id == user.id,
                                                      OperationMember.role.in_(roles))


def visible_operations(user: User) -> Select[tuple[Operation]]:
    """Operations a user can open: those of its teams, or those its country takes part in for a focal point."""
    return select(Operation).where(Operation.id.in_(operations_of(user)))


def command_line() -> User:
    """Whoever runs the command line has the database itself: an actor without an account (see `member_of`)."""
    return User(id=None, email="cli", name="command line", role=Role.coordinator)


async def member_of(session: Any, user: User, operation: Operation) -> Member | None:
    """The user's place in the operation, or None when it is not one of its closed group. An actor without an
    account (the command line, a scheduled job) acts as a lead coordinator of every country, or of its network's
    for a network's edition."""
    if user.id is None:
        countries = frozenset((await session.scalars(network_countries(user.network_code))).all()) \
            if user.network_code else None
        return Member(user, operation, Role.coordinator, lead=True, countries=countries)
    standing = (await session.execute(_standing_of(user.role == Role.focal_point), {
        "id": operation.id, "user_id": user.id, "country": user.country_code})).one()
    return await _member(session, user, operation, standing)


def with_standing(query: Select) -> Select:
    """`query`, which reads a User, with the operation whose code is bound as `code` (outer-joined: None where there
    is none) and the user's standing in it as further columns, for both kinds of member as the user is not known
    before the read: so who asks and their place in the operation of the path come in one read (`member_in`)."""
    return (query.add_columns(Operation, *_standing(True, Operation.id, User.id, User.country_code),
                              *_standing(False, Operation.id, User.id, User.country_code))
            .outerjoin(Operation, Operation.code == bindparam("code")))


async def member_in(session: Any, user: User, row: Any) -> Member | None:
    """The user's place in the operation of a `with_standing` row, as `member_of` gives it: None outside its closed
    group, or where no operation has the code."""
    return None if row.Operation is None else await _member(session, user, row.Operation, row)


# Built once for each kind of member; the user, its country and the operation are bound at each ask.
@cache
def _standing_of(focal_point: bool) -> Select:
    return select(*_standing(focal_point, bindparam("id"), bindparam("user_id"), bindparam("country")))


def _standing(focal_point: bool, operation_id: Any, user_id: Any, country: Any) -> list[Any]:
    """What the user holds in an operation, as columns: whether its country takes part (a focal point not taken
    off it), or its team role and lead."""
    if focal_point:
        return [select(Participant.id).where(Participant.operation_id == operation_id,
                                             Participant.country_code == country,
                                             ~revoked(operation_id, user_id)).exists().label("takes_part")]
    held = (OperationMember.operation_id == operation_id, OperationMember.user_id == user_id)
    return [select(OperationMember.role).where(*held).scalar_subquery().label("role"),
            select(OperationMember.lead).where(*held).scalar_subquery().label("lead")]


async def _member(session: Any, user: User, operation: Operation, standing: Any) -> Member | None:
    if user.role == Role.focal_point:
        return Member(user, operation, Role.focal_point, countries=frozenset({user.country_code})) \
            if standing.takes_part else None
    if standing.role is None:
        return None
    countries = frozenset((await session.scalars(network_countries(user.network_code))).all()) \
        if user.network_code else None
    return Member(user, operation, standing.role, bool(standing.lead), countries)


def team_problem(user: User, role: str) -> str | None:
    """Why `user` cannot hold `role` in a team, or None."""
    if not user.is_active:
        return _("%(email)s is not an active account", email=user.email)
    if user.role not in HOLDABLE:
        return _("%(email)s is a %(role)s: a team takes coordinators, analysts and press officers (focal points "
                 "belong through their country)", email=user.email, role=user.role)
    if role not in HOLDABLE[user.role]:
        return _("%(email)s is a %(account)s and cannot act as %(role)s", email=user.email, account=user.role,
                 role=role)
    return None


def may_lead(role: str) -> bool:
    """Leads edit the operation and its team: coordinators."""
    return role == Role.coordinator


def may_create_operation(user: User, countries: set[str], network_members: set[str]) -> bool:
    """A global coordinator creates any operation; a coordinator limited to a network one whose participants are
    all members of its network."""
    if not can(user, "create_operations"):
        return False
    return not user.network_code or countries <= network_members


def team_members(operation_id: Any, role: str) -> Select:
    """User ids of the active members holding `role` in the operation's team."""
    return (select(OperationMember.user_id).join(User, User.id == OperationMember.user_id)
            .where(OperationMember.operation_id == operation_id, OperationMember.role == role, User.is_active))


def operation_coordinators(operation_id: Any, country: str | None = None) -> Select:
    """User ids of the operation's active coordinators: they follow it (sitreps, suspect matches). With `country`,
    those who reach that country: a network's coordinator only its network's countries."""
    coordinators = team_members(operation_id, Role.coordinator)
    if country is None:
        return coordinators
    return coordinators.where(or_(User.network_code.is_(None), literal(country).in_(in_networks([User.network_code]))))
