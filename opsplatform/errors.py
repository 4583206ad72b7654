"""Errors a user can act on: each names the field (or sheet row and column) and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass


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

    def as_list(self) -> list[dict[str, str]]:
        return [e.as_dict() for e in self.errors]


class Conflict(Exception):
    """The record changed since it was read: nothing was saved (answered 409 with the record as it is now)."""

    def __init__(self, current: object) -> None:
        super().__init__("changed by someone else")
        self.current = current


class NotAllowed(Exception):
    """The user's role or country may not take this action (answered 403)."""
