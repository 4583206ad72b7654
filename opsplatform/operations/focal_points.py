"""Focal points: invite by e-mail (creating the account if new), resend, revoke, and see who has accepted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.auth.services import EMAIL_RE, create_one_time_link, create_user, normalise_email
from opsplatform.errors import InvalidInput, NotAllowed
from opsplatform.i18n import _, country_language, language
from opsplatform.mail.outbox import queue_mail
from opsplatform.models.auth import Role, User
from opsplatform.models.operations import FocalPoint, Operation, Participant
from opsplatform.policy import Member
from opsplatform.rendering.templates import render
from opsplatform.settings import LANGUAGES, Settings

INVITATION_DAYS = 14


def country_focal_points(operation_id: int, country: str) -> Select:
    """User ids of a country's focal points on an operation: invited, not revoked, account active and still the
    country's focal point (an account moved to another country or role no longer hears for this one)."""
    return (select(FocalPoint.user_id).join(User, User.id == FocalPoint.user_id)
            .where(FocalPoint.operation_id == operation_id, FocalPoint.country_code == country, *_current()))


def _current() -> tuple[Any, ...]:
    """An invitation that still stands: not revoked, its account active and still a focal point of its country."""
    return (FocalPoint.revoked_at.is_(None), User.is_active, User.role == Role.focal_point,
            User.country_code == FocalPoint.country_code)


@dataclass
class DirectoryEntry:
    focal_point: FocalPoint
    user: User
    country_name: str


async def invite(session: AsyncSession, settings: Settings, member: Member, *, country: str, email: str,
                 name: str, now: datetime, lang: str = "") -> FocalPoint:
    """Invite a focal point for a participating country the inviter reaches; new accounts get a set-password link by
    e-mail, in the language chosen for them, else the country's (French for the DR Congo, Spanish for Peru), else the
    inviter's."""
    operation, inviter = member.operation, member.user
    email = normalise_email(email)
    if not EMAIL_RE.match(email):
        raise InvalidInput.one("email", _("must be an e-mail address such as name@agency.gov"))
    if not await session.scalar(select(Participant.id).where(Participant.operation_id == operation.id,
                                                            Participant.country_code == country)):
        raise InvalidInput.one("country", _("%(code)s does not take part in this operation; add it first",
                                            code=country[:3]))
    if not member.reaches(country):
        raise NotAllowed(_("%(code)s is outside the countries you coordinate", code=country))
    user = await session.scalar(select(User).where(User.email == email))
    if lang and lang not in LANGUAGES:
        raise InvalidInput.one("language", _("must be one of %(codes)s", codes=", ".join(LANGUAGES)))
    if user is None:
        if not name.strip():
            raise InvalidInput.one("name", _("is required for a new account"))
        user = await create_user(session, email=email, name=name, role=Role.focal_point, country=country,
                                 language=lang or country_language(country, inviter.language))
    elif policy.account_country(user) != country:
        raise InvalidInput.one("email", _("this address belongs to an account that is not a focal point of "
                                          "%(code)s", code=country))
    focal_point = await session.scalar(select(FocalPoint).where(FocalPoint.operation_id == operation.id,
                                                                FocalPoint.user_id == user.id))
    if focal_point is None:
        focal_point = FocalPoint(operation_id=operation.id, country_code=country, user_id=user.id,
                                 invited_by=inviter.id, invited_at=now)
        session.add(focal_point)
    else:
        focal_point.revoked_at, focal_point.invited_at, focal_point.invited_by = None, now, inviter.id
    await session.flush()
    await send_invitation(session, settings, operation, user, now)
    return focal_point


async def send_invitation(session: AsyncSession, settings: Settings, operation: Operation, user: User,
                          now: datetime) -> None:
    """Queue the invitation: a set-password link for a new account, a link to the operation otherwise."""
    base = settings.public_base_url.rstrip("/")
    link = f"{base}/operations/{operation.code}"
    if user.password_hash is None:
        raw = await create_one_time_link(session, user, "invite", timedelta(days=INVITATION_DAYS), now)
        link = f"{base}/password/set/{raw}"
    with language(user.language):
        queue_mail(session, user.email, _("You are a focal point for %(operation)s", operation=operation.name),
                   render("mail/focal_point_invitation.txt", user=user, operation=operation, link=link,
                          new_account=user.password_hash is None, days=INVITATION_DAYS), now=now)


async def invited(session: AsyncSession, member: Member, focal_point_id: int) -> FocalPoint | None:
    """A current invitation of the operation, for a country the member reaches."""
    focal_point = await session.scalar(select(FocalPoint).where(FocalPoint.id == focal_point_id,
                                                                FocalPoint.operation_id == member.operation.id,
                                                                FocalPoint.revoked_at.is_(None)))
    return focal_point if focal_point is not None and member.reaches(focal_point.country_code) else None


async def resend(session: AsyncSession, settings: Settings, member: Member, focal_point_id: int,
                 now: datetime) -> FocalPoint | None:
    focal_point = await invited(session, member, focal_point_id)
    if focal_point is None:
        return None
    operation = member.operation
    user = await session.get(User, focal_point.user_id)
    focal_point.invited_at = now
    await send_invitation(session, settings, operation, user, now)
    return focal_point


async def revoke(session: AsyncSession, member: Member, focal_point_id: int, now: datetime) -> FocalPoint | None:
    """Take a focal point off the operation (its directory, mailings and closed group); the account itself stays."""
    focal_point = await invited(session, member, focal_point_id)
    if focal_point is not None:
        focal_point.revoked_at = now
        await session.flush()
    return focal_point


async def mark_accepted(session: AsyncSession, user: User, now: datetime, operation_id: int | None = None) -> None:
    """An invitation counts as accepted when the focal point sets a password or opens the operation."""
    query = update(FocalPoint).where(FocalPoint.user_id == user.id, FocalPoint.accepted_at.is_(None),
                                     FocalPoint.revoked_at.is_(None))
    if operation_id is not None:
        query = query.where(FocalPoint.operation_id == operation_id)
    await session.execute(query.values(accepted_at=now))


async def directory(session: AsyncSession, operation: Operation) -> list[DirectoryEntry]:
    from opsplatform.models.reference import Country

    rows = (await session.execute(
        select(FocalPoint, User, Country.name).join(User, User.id == FocalPoint.user_id)
        .join(Country, Country.alpha3 == FocalPoint.country_code)
        .where(FocalPoint.operation_id == operation.id, *_current())
        .order_by(Country.name, User.name))).all()
    return [DirectoryEntry(fp, user, name) for fp, user, name in rows]
