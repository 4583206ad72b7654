"""The mail outbox: messages wait here until an SMTP server accepts them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from opsplatform.database import utcnow


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"
    id: int | None = Field(default=None, primary_key=True)
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    body_text: str
    body_html: str | None = None
    status: str = Field(default="queued", max_length=16, index=True)  # queued, sending, sent, failed
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
