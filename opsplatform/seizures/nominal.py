"""Nominal fields at rest (models/seizures.py SEIZURE_NOMINAL, SUSPECT_NOMINAL, COMPANY_NOMINAL): sealed with the
nominal keys into their `<name>_encrypted` columns, opened only for readers cleared for the record's country."""

from __future__ import annotations

from typing import Any

from opsplatform import crypto
from opsplatform.settings import Settings


def sealed(settings: Settings, values: dict[str, Any], names: tuple[str, ...], kept: object | None) -> dict[str, Any]:
    """The encrypted columns for `values`; a field left empty keeps what the stored row `kept` holds, as its sender
    may not be cleared to see it (nor so to clear it)."""
    return {f"{name}_encrypted": crypto.encrypt(settings, values[name]) if values.get(name)
            else getattr(kept, f"{name}_encrypted", None) for name in names}


def opened(settings: Settings, row: object, names: tuple[str, ...]) -> dict[str, str | None]:
    """The plain values of a row's nominal fields: only for a reader `policy.sees_nominal` allows."""
    return {name: crypto.decrypt(settings, getattr(row, f"{name}_encrypted")) for name in names}


def rotated(settings: Settings, row: object, names: tuple[str, ...]) -> None:
    """Encrypt a row's nominal fields again with the newest key (`opsplatform keys rotate`)."""
    for name in names:
        setattr(row, f"{name}_encrypted", crypto.rotate(settings, getattr(row, f"{name}_encrypted")))
