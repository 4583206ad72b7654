"""Encryption of nominal data (suspects' names, dates of birth, document numbers) with Fernet.

Keys come from settings, newest first: new values use the first key, every listed key can still decrypt, and
`opsplatform keys rotate` re-encrypts stored values with the newest key so an old key can then be dropped.
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, MultiFernet

from opsplatform.settings import Settings


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def cipher(settings: Settings) -> MultiFernet:
    return _fernet(tuple(settings.effective_nominal_keys))


def encrypt(settings: Settings, value: str | None) -> str | None:
    return None if value in (None, "") else cipher(settings).encrypt(value.encode()).decode()


def decrypt(settings: Settings, token: str | None) -> str | None:
    return None if token is None else cipher(settings).decrypt(token.encode()).decode()


def rotate(settings: Settings, token: str | None) -> str | None:
    return None if token is None else cipher(settings).rotate(token.encode()).decode()


def generate_key() -> str:
    return Fernet.generate_key().decode()
