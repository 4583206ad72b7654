"""Password hashing (argon2id) and random tokens stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from opsplatform.i18n import _

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


@cache
def _dummy_hash() -> str:
    """Verifying against this when the account does not exist keeps the response time the same. Made on first use:
    hashing takes 64 MB for a moment, which a process that never checks a password (a sheet worker) need not spend."""
    return _hasher.hash("opsplatform-no-such-user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("must be at least %(n)s characters long", n=MIN_PASSWORD_LENGTH)
    return None


def new_token(prefix: str = "") -> tuple[str, str]:
    """A fresh random token and the SHA-256 hash that is stored in its place."""
    raw = prefix + secrets.token_urlsafe(32)
    return raw, token_hash(raw)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()
