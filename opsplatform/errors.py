"""Errors a user can act on: each names the field (or sheet row and column) and what is wrong."""

from __future__ import annotations

import logging
import re
import traceback
from dataclasses import dataclass
from typing import Any


def form_field(name: str) -> str:
    """The form field a problem belongs to: a list member's problem ("target_terms[1]") is its list's field's."""
    return re.sub(r"\[\d+\].*$", "", name)


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class InvalidInput(Exception):
    """Input refused as a whole; nothing was changed. Carries every problem found, not just the first."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors

    @classmethod
    def one(cls, field: str, message: str) -> InvalidInput:
        return cls([FieldError(field, message)])

    @classmethod
    def from_dict(cls, errors: dict[str, str]) -> InvalidInput:
        return cls([FieldError(f, m) for f, m in errors.items()])

    def by_field(self) -> dict[str, str]:
        return {e.field: e.message for e in self.errors}

    def by_form_field(self) -> dict[str, str]:
        """Problems by the form field they belong to, for a form that shows each next to its field."""
        found: dict[str, str] = {}
        for e in self.errors:
            key = form_field(e.field)
            found[key] = f"{found[key]}; {e.message}" if key in found else e.message
        return found

    def as_list(self) -> list[dict[str, str]]:
        return [e.as_dict() for e in self.errors]


class Conflict(Exception):
    """The record changed since it was read: nothing was saved (answered 409 with the record as it is now)."""

    def __init__(self, current: object) -> None:
        super().__init__("changed by someone else")
        self.current = current


class NotAllowed(Exception):
    """The user's role or country may not take this action (answered 403)."""


def scrubbed_traceback(exc: BaseException) -> str:
    """Where an exception happened, without what it says: a message may quote what was sent (a name, a date of
    birth, SQL parameters), so each exception of the chain is given by its type and frames only."""
    parts: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(parts) < 10:
        parts.append("".join(traceback.format_tb(current.__traceback__))
                     + f"{type(current).__module__}.{type(current).__qualname__} (message withheld)\n")
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return "Traceback, innermost cause first:\n" + "\n".join(reversed(parts))


class ScrubbingFormatter(logging.Formatter):
    """The log format of the app and its jobs: every traceback scrubbed of exception messages."""

    def formatException(self, ei: Any) -> str:  # noqa: N802 (logging's name)
        return scrubbed_traceback(ei[1]) if ei and ei[1] is not None else ""
