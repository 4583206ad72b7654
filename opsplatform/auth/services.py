"""Accounts: creation, login with throttling, sessions, API tokens, one-time links for password (re)setting."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, case, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.auth.secrets import hash_password, new_token, password_problem, token_hash, verify_password
from opsplatform.database import upsert, utcnow
from opsplatform.errors import FieldError, InvalidInput
from opsplatform.i18n import _
from opsplatform.models.auth import (
    ANSWERS_KEPT,
    ApiToken,
    IdempotentRequest,
    LoginThrottle,
    OneTimeLink,
    Role,
    User,
    UserSession,
)
from opsplatform.models.reference import Country, Network
from opsplatform.policy import Member
from opsplatform.settings import LANGUAGES, Settings

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class LoginThrottled(Exception):
    """Too many failed logins for this address; try again after the window."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def validate_account(session: AsyncSession, *, email: str, name: str, role: str, country: str | None,
                           network: str | None, language: str, user_id: int | None = None) -> list[FieldError]:
    """Every problem with an account's fields, for the admin form and the CLI alike."""
    errors: list[FieldError] = []
    if not EMAIL_RE.match(email):
        errors.append(FieldError("email", _("must be an e-mail address such as name@agency.gov")))
    else:
        clash = await session.scalar(select(User.id).where(User.email == email))
        if clash is not None and clash != user_id:
            errors.append(FieldError("email", _("an account with this e-mail address already exists")))
    if not name.strip():
        errors.append(FieldError("name", _("is required")))
    if role not in Role.__members__:
        errors.append(FieldError("role", _("must be one of %(roles)s", roles=", ".join(Role))))
    if role == Role.focal_point and not country:
        errors.append(FieldError("country", _("is required for a focal point")))
    if country and await session.get(Country, country) is None:
        errors.append(FieldError("country", _("unknown country code %(code)s (use ISO 3166-1 alpha-3, e.g. KEN)",
                                              code=country)))
    if network and role != Role.coordinator:
        errors.append(FieldError("network", _("only a coordinator can be limited to a network")))
    elif network and await session.get(Network, network) is None:
        errors.append(FieldError("network", _("unknown network %(code)s", code=network)))
    if language not in LANGUAGES:
        errors.append(FieldError("language", _("must be one of %(codes)s", codes=", ".join(LANGUAGES))))
    return errors


async def create_user(session: AsyncSession, *, email: str, name: str, role: str, country: str | None = None,
                      network: str | None = None, cleared_for_nominal: bool = False, password: str | None = None,
                      language: str = "en", organisation: str | None = None) -> User:
    email = normalise_email(email)
    country = (country or "").strip().upper() or None
    errors = await validate_account(session, email=email, name=name, role=role, country=country,
                                    network=network or None, language=language)
    if password is not None and (problem := password_problem(password)):
        errors.append(FieldError("password", problem))
    if errors:
        raise InvalidInput(errors)
    user = User(email=email, name=name.strip(), role=role, country_code=country,
                network_code=network or None, cleared_for_nominal=cleared_for_nominal, language=language,
                organisation=organisation, password_hash=hash_password(password) if password else None)
    session.add(user)
    await session.flush()
    return user


async def authenticate(session: AsyncSession, settings: Settings, email: str, password: str, *,
                       ip: str | None, now: datetime) -> User | None:
    """The active user with these credentials, or None; raises LoginThrottled after too many failures.

    The attempt is counted (and committed) before the password is checked, so parallel guesses get no more checks
    than the limit."""
    email = normalise_email(email)
    await claim_attempt(session, settings, email, ip, now)
    user = await session.scalar(select(User).where(User.email == email))
    if user is not None and user.is_active and verify_password(user.password_hash, password):
        if user.totp_enabled_at is None:  # with a second factor, the attempt counts until the code is right too
            await login_completed(session, user, ip, now)
        return user
    verify_password(None, password) if user is None else None  # same work whether or not the account exists
    return None


def _throttle_keys(email: str, ip: str | None) -> dict[str, str]:
    return {"account": f"account:{email}", **({"address": f"address:{ip}"} if ip else {})}


async def claim_attempt(session: AsyncSession, settings: Settings, email: str, ip: str | None,
                        now: datetime) -> None:
    """Count one login attempt for the account and the client address in the current window, atomically (an upsert
    that adds one), and commit it; raise LoginThrottled when either is over its limit."""
    limits = {"account": settings.login_max_failures, "address": settings.login_max_failures_per_address}
    stale = LoginThrottle.window_start < now - timedelta(minutes=settings.login_throttle_minutes)
    over = False
    for kind, key in _throttle_keys(email, ip).items():
        failures = await session.scalar(upsert(session, LoginThrottle.__table__, {"key": key, "window_start": now,
                                                                                  "failures": 1}, ["key"], {
            "failures": case((stale, 1), else_=LoginThrottle.failures + 1),
            "window_start": case((stale, now), else_=LoginThrottle.window_start)}).returning(LoginThrottle.failures))
        over = over or failures > limits[kind]
    await session.commit()
    if over:
        raise LoginThrottled


async def login_completed(session: AsyncSession, user: User, ip: str | None, now: datetime) -> None:
    """The password (and code) were right: the account's count starts again and the address's attempt is given
    back, so an office behind one address is not locked out by its own logins."""
    keys = _throttle_keys(user.email, ip)
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys["account"]))
    if "address" in keys:
        await session.execute(update(LoginThrottle).where(LoginThrottle.key == keys["address"],
                                                          LoginThrottle.failures > 0)
                              .values(failures=LoginThrottle.failures - 1))
    user.last_login_at = now


async def start_session(session: AsyncSession, settings: Settings, user: User, *, ip: str | None,
                        now: datetime) -> str:
    """A new session with a new token (never reusing one from before login, so no fixation)."""
    raw, hashed = new_token()
    session.add(UserSession(id=hashed, user_id=user.id, created_at=now, ip=ip,
                            expires_at=now + timedelta(hours=settings.session_hours)))
    return raw


# Built once, as every request asks them: the user of a login session, of an API token.
_BY_SESSION = (select(User, UserSession).join(UserSession, UserSession.user_id == User.id)
               .where(UserSession.id == bindparam("hash"), UserSession.expires_at > bindparam("now"),
                      UserSession.created_at > bindparam("oldest"), User.is_active))
_BY_TOKEN = (select(User, ApiToken.id, ApiToken.last_used_at).join(ApiToken, ApiToken.user_id == User.id)
             .where(ApiToken.token_hash == bindparam("hash"), ApiToken.revoked_at.is_(None), User.is_active))


class Caller(NamedTuple):
    user: User
    member: Member | None  # its place in the operation the request names, asked with it; else None


@cache
def _read(query: Select, in_operation: bool) -> Select:
    """`query`, with the operation the request names and the user's place in it when it names one."""
    return policy.with_standing(query) if in_operation else query


def _asked(hashed: str, operation: str | None, **values: Any) -> dict[str, Any]:
    return {"hash": hashed, **values, **({} if operation is None else {"code": operation})}


async def _caller(session: AsyncSession, row: Any, operation: str | None) -> Caller:
    return Caller(row.User, None if operation is None else await policy.member_in(session, row.User, row))


async def user_for_session(session: AsyncSession, settings: Settings, raw: str, now: datetime,
                           operation: str | None = None) -> Caller | None:
    """The session's user while the session is neither idle too long nor older than the absolute lifetime; with
    `operation` (a code), its place in that operation read together with it."""
    row = (await session.execute(_read(_BY_SESSION, operation is not None), _asked(
        token_hash(raw), operation, now=now, oldest=now - timedelta(hours=settings.session_max_hours)))).first()
    if row is None:
        return None
    user_session = row.UserSession
    lifetime = timedelta(hours=settings.session_hours)
    if user_session.expires_at - now < lifetime / 2:  # slide the expiry, writing at most twice per lifetime
        await session.execute(update(UserSession).where(UserSession.id == user_session.id)
                              .values(expires_at=now + lifetime))
        await session.commit()
    return await _caller(session, row, operation)


async def end_session(session: AsyncSession, raw: str) -> None:
    await session.execute(delete(UserSession).where(UserSession.id == token_hash(raw)))


async def end_sessions(session: AsyncSession, user: User, *, keep: str | None = None, tokens: bool = False) -> None:
    """End every login session of `user` (but the one whose raw token is `keep`); with `tokens`, revoke its API
    tokens too. Called when its password, role or activity changes, so an old session carries no old rights."""
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        query = query.where(UserSession.id != token_hash(keep))
    await session.execute(query)
    if tokens:
        await session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                              .values(revoked_at=utcnow()))


async def create_api_token(session: AsyncSession, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; the raw value is returned once and only its hash is kept."""
    if not name.strip():
        raise InvalidInput.one("name", _("is required (say what the token is for, e.g. 'national system')"))
    raw, hashed = new_token("ops_")
    token = ApiToken(user_id=user.id, name=name.strip()[:100], prefix=raw[:10], token_hash=hashed)
    session.add(token)
    await session.flush()
    return token, raw


async def user_for_api_token(session: AsyncSession, raw: str, now: datetime,
                             operation: str | None = None) -> Caller | None:
    """The token's user; with `operation` (a code), its place in that operation read together with it."""
    row = (await session.execute(_read(_BY_TOKEN, operation is not None), _asked(token_hash(raw), operation))).first()
    if row is None:
        return None
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
        await session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
        await session.commit()
    return await _caller(session, row, operation)


async def revoke_api_token(session: AsyncSession, user: User, token_id: int, now: datetime) -> bool:
    token = await session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        return False
    token.revoked_at = now
    return True


async def create_one_time_link(session: AsyncSession, user: User, purpose: str, lifetime: timedelta,
                               now: datetime) -> str:
    """A link token for `purpose` (reset, invite); earlier unused links of that purpose stop working."""
    await session.execute(update(OneTimeLink).where(OneTimeLink.user_id == user.id, OneTimeLink.purpose == purpose,
                                                     OneTimeLink.used_at.is_(None)).values(used_at=now))
    raw, hashed = new_token()
    session.add(OneTimeLink(user_id=user.id, purpose=purpose, token_hash=hashed, created_at=now,
                            expires_at=now + lifetime))
    return raw


async def valid_link(session: AsyncSession, raw: str, now: datetime) -> OneTimeLink | None:
    return await session.scalar(select(OneTimeLink).where(
        OneTimeLink.token_hash == token_hash(raw), OneTimeLink.used_at.is_(None), OneTimeLink.expires_at > now))


async def set_password_with_link(session: AsyncSession, raw: str, password: str,
                                 now: datetime) -> tuple[User, str]:
    """Use a one-time link to set a password; the link dies and every existing session of the user ends."""
    if problem := password_problem(password):
        raise InvalidInput.one("password", problem)
    # Claim the link with a conditional UPDATE so that two simultaneous uses cannot both succeed.
    claimed = await session.execute(update(OneTimeLink).where(
        OneTimeLink.token_hash == token_hash(raw), OneTimeLink.used_at.is_(None), OneTimeLink.expires_at > now)
        .values(used_at=now).returning(OneTimeLink.user_id, OneTimeLink.purpose))
    row = claimed.first()
    if row is None:
        raise InvalidInput.one("token", _("this link has expired or was already used; ask for a new one"))
    user = await session.get(User, row.user_id)
    assert user is not None
    user.password_hash = hash_password(password)
    await end_sessions(session, user)
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key == _throttle_keys(user.email, None)["account"]))
    return user, row.purpose


async def purge_expired(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Delete expired sessions, dead one-time links, old failed-login records and the answers of creates older than
    their Idempotency-Key's week; returns rows removed."""
    removed = 0
    for stmt in (delete(UserSession).where(UserSession.expires_at <= now),
                 delete(UserSession).where(UserSession.created_at <= now - timedelta(hours=settings.session_max_hours)),
                 delete(OneTimeLink).where(OneTimeLink.expires_at <= now - timedelta(days=7)),
                 delete(IdempotentRequest).where(IdempotentRequest.created_at <= now - ANSWERS_KEPT),
                 delete(LoginThrottle).where(
                     LoginThrottle.window_start <= now - timedelta(minutes=settings.login_throttle_minutes))):
        removed += (await session.execute(stmt)).rowcount or 0
    await session.commit()
    return removed
