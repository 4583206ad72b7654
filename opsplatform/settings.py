"""All configuration, read from environment variables in one place.

Every setting is a field with its environment variable and a line of documentation; the admin guide's
configuration reference is generated from this module (`opsplatform.settings.describe()`).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from dataclasses import dataclass, field, fields, replace
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./opsplatform.db"
MODES = ("development", "production")
LANGUAGES = ("en", "fr", "es")
MAX_ATTACHMENT_MB = 50  # one such file still fits in the largest request body the app reads (app.MAX_UPLOAD, 60 MB)

# Development only: fixed, well-known values so that a demo survives restarts. Refused in production.
_DEV_SECRET = "opsplatform-development-secret-do-not-use-in-production"
_DEV_NOMINAL_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"opsplatform-development-nominal-key").digest()).decode()
_DEV_MATCH_KEY = hashlib.sha256(b"opsplatform-development-match-key").hexdigest()


class SettingsError(RuntimeError):
    """The configuration cannot be used; the message says which variable to set."""


def setting(env: str, doc: str, default: Any = None, **kwargs: Any) -> Any:
    return field(default=default, metadata={"env": env, "doc": doc}, **kwargs)


@dataclass(frozen=True)
class Settings:
    mode: str = setting("OPSPLATFORM_MODE", "`development` (default) or `production`. Production refuses to start "
                        "without real secrets and sends cookies only over HTTPS.", "development")
    database_url: str = setting("OPSPLATFORM_DATABASE_URL", "SQLAlchemy URL: `sqlite+aiosqlite:///path.db` (default "
                                "`./opsplatform.db`) or `postgresql+asyncpg://user:password@host:5432/db`.",
                                DEFAULT_DATABASE_URL)
    read_database_url: str = setting("OPSPLATFORM_READ_DATABASE_URL", "Optional URL of a read replica of that "
                                     "database (a PostgreSQL hot standby, `postgresql+asyncpg://…`). When set, the "
                                     "dashboard with its maps, the filtered exports and the summary API read from it, "
                                     "leaving the primary to the writes; they then show what the replica has "
                                     "replayed, a moment behind a save. Empty (default): everything reads the "
                                     "database above.", "")
    secret_key: str = setting("OPSPLATFORM_SECRET_KEY", "Signs CSRF tokens, flash cookies, one-time links and the "
                              "step between password and second-factor code. "
                              "At least 32 random characters; required in production.", "")
    nominal_keys: str = setting("OPSPLATFORM_NOMINAL_KEYS", "Fernet keys (comma-separated, newest first) that "
                                "encrypt suspects' names, dates of birth and document numbers, and second-factor "
                                "secrets. Rotate by putting a new "
                                "key first and running `opsplatform keys rotate`; required in production.", "")
    match_key: str = setting("OPSPLATFORM_MATCH_KEY", "Secret key of the keyed hash (HMAC-SHA256) of suspects' "
                             "document numbers, which finds the same person recorded by two countries without sharing "
                             "the number. At least 32 random characters; required in production. Changing it needs "
                             "`opsplatform keys rotate` to recompute the stored hashes.", "")
    public_base_url: str = setting("OPSPLATFORM_PUBLIC_BASE_URL", "Address users reach the app at; used in "
                                   "e-mailed links.", "http://127.0.0.1:8000")
    default_language: str = setting("OPSPLATFORM_DEFAULT_LANGUAGE", "Language for visitors and new accounts: "
                                    "`en`, `fr` or `es`.", "en")
    session_hours: int = setting("OPSPLATFORM_SESSION_HOURS", "Hours a login session lasts without activity.", 12)
    session_max_hours: int = setting("OPSPLATFORM_SESSION_MAX_HOURS", "Hours after which a login session ends "
                                     "however active it is (then log in again).", 24)
    login_max_failures: int = setting("OPSPLATFORM_LOGIN_MAX_FAILURES", "Failed logins for one e-mail address "
                                      "within the throttle window before further attempts are refused.", 5)
    login_max_failures_per_address: int = setting(
        "OPSPLATFORM_LOGIN_MAX_FAILURES_PER_ADDRESS", "Failed logins from one client address (any accounts) within "
        "the throttle window before further attempts from it are refused.", 30)
    trusted_proxies: str = setting("OPSPLATFORM_TRUSTED_PROXIES", "Addresses (comma-separated IPs or networks such "
                                   "as `10.0.0.0/8`) of the reverse proxies in front of the app, whose "
                                   "`X-Forwarded-For` and `X-Forwarded-Proto` are believed; empty (default) believes "
                                   "no client's, so nobody can choose the address a login is throttled and recorded "
                                   "by.", "")
    login_throttle_minutes: int = setting("OPSPLATFORM_LOGIN_THROTTLE_MINUTES", "Length of the login throttle "
                                          "window, in minutes.", 15)
    reset_link_minutes: int = setting("OPSPLATFORM_RESET_LINK_MINUTES", "Minutes a password-reset link stays "
                                      "valid.", 60)
    smtp_host: str = setting("OPSPLATFORM_SMTP_HOST", "Host name of the SMTP server that relays outgoing mail.",
                             "127.0.0.1")
    smtp_port: int = setting("OPSPLATFORM_SMTP_PORT", "SMTP port: 1025 for the development sink, usually 587 with "
                             "starttls or 465 with tls.", 1025)
    smtp_username: str = setting("OPSPLATFORM_SMTP_USERNAME", "SMTP login name, if the server asks for "
                                 "authentication.", "")
    smtp_password: str = setting("OPSPLATFORM_SMTP_PASSWORD", "SMTP password that goes with the login name.", "")
    smtp_security: str = setting("OPSPLATFORM_SMTP_SECURITY", "Transport security towards the SMTP server: "
                                 "`none`, `starttls` or `tls`.", "none")
    mail_from: str = setting("OPSPLATFORM_MAIL_FROM", "Sender address of every message.",
                             "opsplatform <no-reply@opsplatform.local>")
    db_pool_size: int = setting("OPSPLATFORM_DB_POOL_SIZE", "Database connections each app process keeps open; at "
                                "peaks it opens up to twice as many more. Keep processes × 3 × this under "
                                "PostgreSQL's max_connections.", 10)
    db_pool_timeout: int = setting("OPSPLATFORM_DB_POOL_TIMEOUT", "Seconds a request waits for a free database "
                                   "connection before it is answered 503 (busy, with Retry-After).", 30)
    map_tiles: str = setting("OPSPLATFORM_MAP_TILES", "Online tile layer under the maps, as a URL template such as "
                             "`https://tile.openstreetmap.org/{z}/{x}/{y}.png`; empty (default) draws the bundled "
                             "country basemap only, so maps work on a closed network.", "")
    sitrep_hour: int = setting("OPSPLATFORM_SITREP_HOUR", "Hour (UTC, 0-23) at which each active operation's daily "
                               "sitrep is compiled and e-mailed to its coordinators; briefings give it as the daily "
                               "reporting cut-off.", 6)
    reminder_hour: int = setting("OPSPLATFORM_REMINDER_HOUR", "Local hour (0-23, in each country's time zone) at "
                                 "which focal points of a country that logged neither a seizure nor a nil return for "
                                 "the previous day are reminded.", 9)
    task_workers: int = setting("OPSPLATFORM_TASK_WORKERS", "Worker processes the app starts, at most at once, for "
                                "work that leaves the request (checking and importing sheets); `0` runs none: "
                                "queued work then waits for `opsplatform tasks work`. Each worker is its own process, "
                                "so a heavy sheet never slows the pages.", 2)
    sheet_max_rows: int = setting("OPSPLATFORM_SHEET_MAX_ROWS", "Data rows one seizure sheet may hold; a longer "
                                  "sheet is refused, to be split.", 200_000)
    sheet_max_unpacked_mb: int = setting("OPSPLATFORM_SHEET_MAX_UNPACKED_MB", "Megabytes an XLSX sheet may unpack "
                                         "to, measured before it is read (a small file can unpack to gigabytes).", 500)
    sheet_max_ratio: int = setting("OPSPLATFORM_SHEET_MAX_RATIO", "Times its packed size any part of an XLSX sheet "
                                   "over 1 MB may unpack to (real sheets: 10 to 20).", 100)
    attachment_max_mb: int = setting("OPSPLATFORM_ATTACHMENT_MAX_MB", "Megabytes one photo or document attached to "
                                     "a seizure record may be (1 to 50); a larger upload is refused before it is "
                                     "read.", 10)
    scheduler_enabled: bool = setting("OPSPLATFORM_SCHEDULER", "Run the scheduled jobs (phase changes, mail, "
                                      "reminders, sitreps, release publication, clean-up; listed on /jobs) inside "
                                      "the app process: `1` or `0`. Several instances may all run them: each run "
                                      "claims its slot in the database first.", True)

    @property
    def production(self) -> bool:
        return self.mode == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def effective_secret_key(self) -> str:
        return self.secret_key or _DEV_SECRET

    @property
    def effective_nominal_keys(self) -> list[str]:
        keys = [k.strip() for k in self.nominal_keys.split(",") if k.strip()]
        return keys or [_DEV_NOMINAL_KEY]

    @property
    def effective_match_key(self) -> bytes:
        return (self.match_key or _DEV_MATCH_KEY).encode()

    def check(self) -> Settings:
        """Refuse configurations that would be unsafe or cannot work; warn about development defaults."""
        if self.mode not in MODES:
            raise SettingsError(f"OPSPLATFORM_MODE must be one of {', '.join(MODES)} (got {self.mode!r})")
        if self.default_language not in LANGUAGES:
            raise SettingsError(f"OPSPLATFORM_DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)} "
                                f"(got {self.default_language!r})")
        if not 0 <= self.reminder_hour <= 23:
            raise SettingsError(f"OPSPLATFORM_REMINDER_HOUR must be an hour from 0 to 23 (got {self.reminder_hour})")
        if not 0 <= self.sitrep_hour <= 23:
            raise SettingsError(f"OPSPLATFORM_SITREP_HOUR must be an hour from 0 to 23 (got {self.sitrep_hour})")
        if self.smtp_security not in ("none", "starttls", "tls"):
            raise SettingsError(f"OPSPLATFORM_SMTP_SECURITY must be none, starttls or tls (got {self.smtp_security!r})")
        if not 1 <= self.attachment_max_mb <= MAX_ATTACHMENT_MB:
            raise SettingsError(f"OPSPLATFORM_ATTACHMENT_MAX_MB must be from 1 to {MAX_ATTACHMENT_MB} "
                                f"(got {self.attachment_max_mb})")
        if self.read_database_url and not (self.read_database_url.startswith("postgresql")
                                           and self.database_url.startswith("postgresql")):
            raise SettingsError("OPSPLATFORM_READ_DATABASE_URL is for a PostgreSQL read replica "
                                "(postgresql+asyncpg://…) of a PostgreSQL OPSPLATFORM_DATABASE_URL; leave it empty "
                                "with SQLite")
        if self.session_hours < 1 or self.session_max_hours < self.session_hours:
            raise SettingsError("OPSPLATFORM_SESSION_MAX_HOURS must be at least OPSPLATFORM_SESSION_HOURS, "
                                f"which must be 1 or more (got {self.session_max_hours} and {self.session_hours})")
        if self.production:
            if len(self.secret_key) < 32:
                raise SettingsError("OPSPLATFORM_SECRET_KEY must be set to at least 32 random characters in "
                                    "production (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)")
            if not self.nominal_keys:
                raise SettingsError("OPSPLATFORM_NOMINAL_KEYS must be set in production (generate one with "
                                    "`opsplatform keys generate`)")
            if len(self.match_key) < 32:
                raise SettingsError("OPSPLATFORM_MATCH_KEY must be set to at least 32 random characters in production "
                                    "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)")
        elif not self.secret_key:
            log.warning("development mode: using the built-in secret key, nominal-data key and match key; never in "
                        "production")
        return self


def _parse(kind: type | str, raw: str) -> Any:
    if kind in (bool, "bool"):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if kind in (int, "int"):
        return int(raw)
    return raw


def load(**overrides: Any) -> Settings:
    """Settings from the environment, with explicit overrides (CLI flags, tests) taking precedence."""
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = os.environ.get(f.metadata["env"])
        if raw is not None:
            try:
                values[f.name] = _parse(f.type, raw)
            except ValueError as exc:
                raise SettingsError(f"{f.metadata['env']}: {exc}") from exc
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values).check()


def describe() -> list[tuple[str, str, str]]:
    """(variable, default, documentation) for every setting, for the configuration reference."""
    return [(f.metadata["env"], str(f.default), f.metadata["doc"]) for f in fields(Settings)]


def markdown_reference() -> str:
    """The configuration reference as a Markdown table, as docs/admin-guide.md carries it."""
    rows = ["| variable | default | what it does |", "|---|---|---|"]
    for variable, default, doc in describe():
        shown = f"`{default}`" if default else "(empty)"
        rows.append(f"| `{variable}` | {shown} | {doc.replace('|', chr(92) + '|')} |")
    return "\n".join(rows) + "\n"


__all__ = ["Settings", "SettingsError", "load", "describe", "markdown_reference", "replace"]
