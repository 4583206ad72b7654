"""Runs of scheduled jobs and of tasks. A scheduled run claims its slot (job + period) by inserting a row: the unique
key lets only one of several app instances on the same database do it. A task (work that left a request: job = its
kind, slot = what it works on) is queued as a row and claimed by one worker, which beats as it goes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
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
    outcome: str = Field(default="running", max_length=16)  # queued (tasks), running, ok, error
    done: int = 0
    total: int = 0  # a task's progress: done of total
    error: str | None = None
    heartbeat_at: datetime | None = None  # a task's last sign of life
    worker: str | None = Field(default=None, max_length=80)  # the process working on a task: host:pid
    memory_mb: int | None = None  # the peak memory of the task's worker process
    asked: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))  # a task's input beyond its slot
