"""Runs of scheduled jobs. A run claims its slot (job + period) by inserting a row: the unique key lets only one of
several app instances on the same database do it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from opsplatform.database import utcnow


class JobRun(SQLModel, table=True):
    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "slot"),)
    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=40, index=True)
    slot: str = Field(max_length=40)
    started_at: datetime = Field(default_factory=utcnow, index=True)
    finished_at: datetime | None = None
    outcome: str = Field(default="running", max_length=16)  # running, ok, error
    done: int = 0
    error: str | None = None
