"""An operation's team: its closed user group besides the participating countries' focal points. Whoever creates
the operation joins and leads it; leads add and remove members and name other leads."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.auth.services import normalise_email
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _
from opsplatform.models.auth import User
from opsplatform.models.operations import Operation, OperationMember


@dataclass(frozen=True)
class TeamEntry:
    """A member as an operation file names it: its account, the role it holds in the operation, whether it leads."""

    user: User
    role: str
    lead: bool = False


async def account(session: AsyncSession, email: str, field: str = "email") -> User:
    user = await session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise InvalidInput.one(field, _("no account with the e-mail address %(email)s", email=email[:254]))
    return user


async def entry_for(session: AsyncSession, email: str, role: str | None = None, lead: bool = False,
                    field: str = "email") -> TeamEntry:
    """The account behind `email`, checked for the role it would hold (its own by default)."""
    user = await account(session, email, field)
    role = role or user.role
    if problem := policy.team_problem(user, role):
        raise InvalidInput.one(field, problem)
    return TeamEntry(user, role, lead and policy.may_lead(role))


async def add(session: AsyncSession, operation: Operation, entry: TeamEntry, added_by: User | None) -> OperationMember:
    """Add a member, or change the role and lead of one already there."""
    if operation.register_country:
        raise InvalidInput.one("email", _("a national register has no team: only its country's focal points keep it"))
    member = await session.scalar(select(OperationMember).where(OperationMember.operation_id == operation.id,
                                                                OperationMember.user_id == entry.user.id))
    if member is None:
        member = OperationMember(operation_id=operation.id, user_id=entry.user.id, role=entry.role, lead=entry.lead,
                                 added_by=added_by.id if added_by else None)
        session.add(member)
    else:
        member.role, member.lead = entry.role, entry.lead
    await session.flush()
    return member


async def remove(session: AsyncSession, operation: Operation, user: User) -> None:
    """Take a member off the team (through the ORM, so the audit log keeps it); the last lead stays."""
    member = await session.scalar(select(OperationMember).where(OperationMember.operation_id == operation.id,
                                                                OperationMember.user_id == user.id))
    if member is None:
        raise InvalidInput.one("email", _("%(email)s is not on this operation's team", email=user.email))
    if member.lead and await session.scalar(select(func.count()).where(
            OperationMember.operation_id == operation.id, OperationMember.lead)) == 1:
        raise InvalidInput.one("email", _("%(email)s is the operation's only lead: name another lead first",
                                          email=user.email))
    await session.delete(member)
    await session.flush()


async def members(session: AsyncSession, operation: Operation) -> list[tuple[OperationMember, User]]:
    """The team, leads first, then by role and name."""
    return [tuple(row) for row in (await session.execute(
        select(OperationMember, User).join(User, User.id == OperationMember.user_id)
        .where(OperationMember.operation_id == operation.id)
        .order_by(OperationMember.lead.desc(), OperationMember.role, User.name))).all()]
