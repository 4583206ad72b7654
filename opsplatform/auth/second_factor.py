"""The optional second factor: time-based one-time codes (TOTP, RFC 6238) from an authenticator app.

The secret is stored encrypted with the nominal-data keys (so `opsplatform keys rotate` re-encrypts it too). Between
the password and the code, the browser holds only a short-lived signed token naming the account, in a cookie.
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp
import segno
from itsdangerous import BadData, URLSafeTimedSerializer

from opsplatform import crypto
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _
from opsplatform.models.auth import User
from opsplatform.settings import Settings

PENDING_COOKIE = "opsp_2fa"
PENDING_MINUTES = 5
STEP = 30  # seconds per code
ISSUER = "opsplatform"


def is_enabled(user: User) -> bool:
    return user.totp_enabled_at is not None


def start_enrolment(settings: Settings, user: User) -> None:
    """A new secret, waiting for a first code to confirm that the authenticator app holds it."""
    user.totp_secret_encrypted = crypto.encrypt(settings, pyotp.random_base32())
    user.totp_enabled_at = None
    user.totp_last_step = None


def secret_of(settings: Settings, user: User) -> str | None:
    return crypto.decrypt(settings, user.totp_secret_encrypted)


def provisioning(settings: Settings, user: User) -> dict[str, str] | None:
    """The pending secret as text, as an otpauth:// link and as a QR code (SVG data URI) for the app to scan."""
    secret = secret_of(settings, user)
    if secret is None:
        return None
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return {"secret": secret, "uri": uri, "qr": segno.make(uri, error="m").svg_data_uri(scale=4)}


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (now, or one either side for clock drift) whose code this is, or None."""
    code = "".join(code.split())
    if not code.isdigit():
        return None
    totp, current = pyotp.TOTP(secret), int(now.timestamp()) // STEP
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def check_code(settings: Settings, user: User, code: str, now: datetime) -> None:
    """Accept a code once: a code already used (or an older one) is refused, so an overheard code cannot be replayed."""
    secret = secret_of(settings, user)
    step = _matching_step(secret, code, now) if secret else None
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        raise InvalidInput.one("code", _("this code is not right or was already used; enter the current 6-digit "
                                         "code from your authenticator app"))
    user.totp_last_step = step


def confirm_enrolment(settings: Settings, user: User, code: str, now: datetime) -> None:
    if user.totp_secret_encrypted is None:
        raise InvalidInput.one("code", _("start the set-up first"))
    check_code(settings, user, code, now)
    user.totp_enabled_at = now


def remove(user: User) -> None:
    """Turn the second factor off (by the user with a code, or by an administrator for a lost phone)."""
    user.totp_secret_encrypted = None
    user.totp_enabled_at = None
    user.totp_last_step = None


def _signer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.effective_secret_key, salt="second-factor")


def pending_token(settings: Settings, user: User) -> str:
    """Proof that the password step was passed, for `PENDING_MINUTES`; it names the account and nothing else."""
    return _signer(settings).dumps(user.id)


def pending_user_id(settings: Settings, token: str | None) -> int | None:
    """The account whose password step the token proves, or None when it is missing, forged or too old."""
    try:
        user_id = _signer(settings).loads(token or "", max_age=PENDING_MINUTES * 60)
    except BadData:
        return None
    return user_id if isinstance(user_id, int) else None
