"""Encryption of nominal data (suspects' names, dates of birth, document numbers) with Fernet, and the keyed hash
that lets document numbers be matched across countries without being shared.

Keys come from settings, newest first: new values use the first key, every listed key can still decrypt, and
`opsplatform keys rotate` re-encrypts stored values with the newest key so an old key can then be dropped.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
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


def normalise_document(value: str) -> str:
    """A document number as written by anyone: "c-123 456/7" and "C1234567" are the same document."""
    return re.sub(r"[\s\-./]", "", unicodedata.normalize("NFKC", value)).upper()


def document_hash(settings: Settings, value: str | None) -> str | None:
    """HMAC-SHA256 of the normalised document number: equal for equal documents, useless without the match key."""
    if not value or not normalise_document(value):
        return None
    return hmac.new(settings.effective_match_key, normalise_document(value).encode(), hashlib.sha256).hexdigest()
