"""A generated document (briefing, sitrep, release file), kept with its provenance so anyone can tell what it shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

from opsplatform.database import utcnow
from opsplatform.models.audited import Audited


class Artifact(Audited, SQLModel, table=True):
    __tablename__ = "artifacts"
    __audit_redact__ = frozenset({"content"})
    __table_args__ = (Index("ix_artifacts_operation_kind", "operation_id", "kind", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operations.id")
    kind: str = Field(max_length=16)  # pre, sitrep, post, release
    edition: str | None = Field(default=None, max_length=16)  # restricted or shareable (pre-operation briefing)
    # Whose records it may show: "operation" (every participant) or "network:CODE" (that network's edition), and the
    # countries that scope covered when it was made.
    scope: str = Field(default="operation", max_length=40)
    countries: list[str] | None = Field(default=None, sa_column=Column(JSON))
    language: str = Field(max_length=2)
    format: str = Field(max_length=8)  # html, pdf, docx, json, csv
    filename: str = Field(max_length=200)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    size: int
    # Provenance: the instant the data was read, what it counted, a hash of that data (the same in every language
    # and format of one edition), and who asked for it.
    data_as_of: datetime
    record_counts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    data_hash: str = Field(max_length=64)
    generated_by_id: int | None = Field(default=None, foreign_key="users.id")
    generated_by: str = Field(max_length=254)
    created_at: datetime = Field(default_factory=utcnow)
