"""A release per operation, its workflow state and frozen figures, and the dated corrections made after publication."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from opsplatform.database import utcnow
from opsplatform.models.audited import Audited


class ReleaseStatus(StrEnum):
    draft = "draft"
    approved = "approved"
    scheduled = "scheduled"
    published = "published"


class Release(Audited, SQLModel, table=True):
    __tablename__ = "releases"
    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operations.id", unique=True)
    status: str = Field(default=ReleaseStatus.draft, max_length=16)
    # What the press officer writes, per language: {"en": {"headline", "narrative", "quotes"}, "fr": …}. Never figures.
    texts: dict[str, dict[str, str]] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The highlights as the press officer writes them per language: {"fr": {highlight key: text}, …}. A highlight
    # without one in the reader's language shows the country's own words, marked as such.
    highlight_texts: dict[str, dict[str, str]] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    suppress_below: int | None = None  # counts under it are shown as "fewer than N"
    embargo: datetime | None = None
    # The figures as approved: frozen, so what a coordinator approved is exactly what is published.
    figures: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    approved_by_id: int | None = Field(default=None, foreign_key="users.id")
    approved_at: datetime | None = None
    published_at: datetime | None = None
    published_by: str | None = Field(default=None, max_length=254)
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow)


class ReleaseCorrection(Audited, SQLModel, table=True):
    """A dated note on a published release: what was corrected and why."""

    __tablename__ = "release_corrections"
    id: int | None = Field(default=None, primary_key=True)
    release_id: int = Field(foreign_key="releases.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    note: str
    by_id: int | None = Field(default=None, foreign_key="users.id")
    by: str = Field(max_length=254)
