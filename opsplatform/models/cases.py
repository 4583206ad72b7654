"""Tables of the case exchange: record links, case events, suspect matches, operation messages and attachments."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from opsplatform.database import utcnow
from opsplatform.models.audited import Audited


class LinkKind(StrEnum):
    same_shipment = "same_shipment"  # one shipment seen by two countries: counted once
    controlled_delivery = "controlled_delivery"
    network = "network"  # the same criminal network


class LinkStatus(StrEnum):
    pending = "pending"
    accepted = "accepted"
    refused = "refused"
    removed = "removed"


class SeizureLink(Audited, SQLModel, table=True):
    """Two countries' records of one operation that belong together, linked once the other country consents."""

    __tablename__ = "seizure_links"
    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operations.id", index=True)
    kind: str = Field(max_length=24)
    seizure_id: int = Field(foreign_key="seizures.id", index=True)  # the requesting country's record
    # The other country's record; None while a request names, by its reference, a record not logged (yet).
    other_seizure_id: int | None = Field(default=None, foreign_key="seizures.id", index=True)
    other_seizure_ref: str | None = Field(default=None, max_length=100)
    requesting_country: str = Field(foreign_key="countries.alpha3", max_length=3)
    other_country: str = Field(foreign_key="countries.alpha3", max_length=3)
    status: str = Field(default=LinkStatus.pending, max_length=16)
    note: str | None = None
    requested_by: int | None = Field(default=None, foreign_key="users.id")
    requested_at: datetime = Field(default_factory=utcnow)
    decided_by: int | None = Field(default=None, foreign_key="users.id")
    decided_at: datetime | None = None
    decision_note: str | None = None


class CaseEvent(Audited, SQLModel, table=True):
    """A step of a case after the seizure (investigation, charges, … asset forfeiture), with its date."""

    __tablename__ = "case_events"
    id: int | None = Field(default=None, primary_key=True)
    seizure_id: int = Field(foreign_key="seizures.id", index=True)
    stage: str = Field(max_length=24)
    day: date
    note: str | None = None
    created_by: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)


class SuspectMatch(Audited, SQLModel, table=True):
    """Two countries' records holding a suspect with the same document number (by keyed hash), found once."""

    __tablename__ = "suspect_matches"
    __table_args__ = (UniqueConstraint("seizure_id", "other_seizure_id"),)
    id: int | None = Field(default=None, primary_key=True)
    seizure_id: int = Field(foreign_key="seizures.id", index=True)  # the lower id of the two
    other_seizure_id: int = Field(foreign_key="seizures.id", index=True)
    found_at: datetime = Field(default_factory=utcnow)


class MessageKind(StrEnum):
    alert = "alert"  # a warning: a route, a concealment method, a suspect company
    feedback = "feedback"  # a reply to an alert
    seizure_notice = "seizure_notice"  # a seizure, linked to its record


class Audience(StrEnum):
    operation = "operation"  # every member of the operation
    region = "region"  # focal points of one UN M49 region's countries (and coordinators, analysts)
    network = "network"  # focal points of one enforcement network's countries (and coordinators, analysts)


class OperationMessage(Audited, SQLModel, table=True):
    """A message in an operation's closed user group; its optional nominal section is encrypted."""

    __tablename__ = "operation_messages"
    __audit_redact__ = frozenset({"nominal_encrypted"})
    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operations.id", index=True)
    kind: str = Field(max_length=16)
    parent_id: int | None = Field(default=None, foreign_key="operation_messages.id", index=True)
    seizure_id: int | None = Field(default=None, foreign_key="seizures.id")
    audience: str = Field(default=Audience.operation, max_length=16)
    audience_code: str | None = Field(default=None, max_length=16)
    subject: str = Field(max_length=200)
    body: str
    nominal_encrypted: str | None = None
    author_id: int | None = Field(default=None, foreign_key="users.id")
    author_country: str | None = Field(default=None, max_length=3)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class MessageAttachment(Audited, SQLModel, table=True):
    """A photo or scanned document sent with a message; stored in the database so every instance serves it."""

    __tablename__ = "message_attachments"
    __audit_redact__ = frozenset({"content"})
    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="operation_messages.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
