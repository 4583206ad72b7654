"""Accounts, login sessions, API tokens, one-time links and login attempts."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from opsplatform.database import utcnow
from opsplatform.models.audited import Audited


class Role(StrEnum):
    admin = "admin"
    coordinator = "coordinator"
    focal_point = "focal_point"
    analyst = "analyst"
    press_officer = "press_officer"


class User(Audited, SQLModel, table=True):
    __tablename__ = "users"
    __audit_redact__ = frozenset({"password_hash", "totp_secret_encrypted"})

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True, max_length=254)
    name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    # A focal point's country; a coordinator may be limited to one enforcement network's members.
    country_code: str | None = Field(default=None, foreign_key="countries.alpha3", max_length=3)
    network_code: str | None = Field(default=None, foreign_key="networks.code", max_length=16)
    organisation: str | None = Field(default=None, max_length=200)
    cleared_for_nominal: bool = False
    password_hash: str | None = None
    is_active: bool = True
    language: str = Field(default="en", max_length=2)
    reminders_opt_out: bool = False  # no daily e-mail about a day my country has not reported
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None
    # Optional second factor (TOTP): the secret is Fernet-encrypted; enabled once a code confirmed it.
    totp_secret_encrypted: str | None = None
    totp_enabled_at: datetime | None = None
    totp_last_step: int | None = None  # the last time step accepted, so a code cannot be used twice


class UserSession(SQLModel, table=True):
    """A server-side login session; the cookie holds a random token, the table only its hash."""

    __tablename__ = "user_sessions"
    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    ip: str | None = Field(default=None, max_length=64)


class ApiToken(Audited, SQLModel, table=True):
    __tablename__ = "api_tokens"
    __audit_redact__ = frozenset({"token_hash"})

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=12)
    token_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class OneTimeLink(SQLModel, table=True):
    """A password-reset or invitation link: usable once, until it expires."""

    __tablename__ = "one_time_links"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    purpose: str = Field(max_length=16)  # reset, invite
    token_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    used_at: datetime | None = None


class LoginThrottle(SQLModel, table=True):
    """Failed logins counted per account and per client address in a fixed window (kept in the database, so every
    instance counts alike). A login claims an attempt here before its password is checked, so parallel guesses
    cannot get more checks than the limit."""

    __tablename__ = "login_throttle"
    key: str = Field(primary_key=True, max_length=300)  # "account:<email>" or "address:<ip>"
    window_start: datetime
    failures: int = 0


ANSWERS_KEPT = timedelta(days=7)  # how long a repeat with the same Idempotency-Key answers the first result


class IdempotentRequest(SQLModel, table=True):
    """A create sent with an `Idempotency-Key`: its first answer, kept so that a repeat answers it again. The claim and
    the answer are written in the transaction of the create itself, so a committed create always has its answer. The
    answer is encrypted: it may hold a seizure's suspects."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    key: str = Field(max_length=255)
    fingerprint: str = Field(max_length=64)  # SHA-256 of the method, path and body
    status_code: int = 201
    answer: str | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)
