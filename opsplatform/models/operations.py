"""Operations and the countries that take part in them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from opsplatform.database import utcnow
from opsplatform.models.audited import Audited


class Phase(StrEnum):
    draft = "draft"
    planning = "planning"
    active = "active"
    reporting = "reporting"
    closed = "closed"


class Publicity(StrEnum):
    named = "named"
    aggregate = "aggregate"
    none = "none"


class Operation(Audited, SQLModel, table=True):
    __tablename__ = "operations"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=40)
    name: str = Field(max_length=200)
    series: str | None = Field(default=None, max_length=40, index=True)
    objectives: str = ""
    lead_organisations: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    start_date: date
    end_date: date
    grace_days: int = 14
    phase: str = Field(default=Phase.draft, max_length=16)
    release_embargo: datetime | None = None
    target_terms: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    cloned_from_id: int | None = Field(default=None, foreign_key="operations.id")
    # Set on a country's national register (operations/registers.py): the seizures its focal points log outside any
    # operation in one calendar year, a closed group of that country alone. None for an operation.
    register_country: str | None = Field(default=None, foreign_key="countries.alpha3", max_length=3)
    created_by: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 1

    @property
    def grace_end(self) -> date:
        return self.end_date + timedelta(days=self.grace_days)

    def window_days(self) -> list[date]:
        return [self.start_date + timedelta(days=i) for i in range((self.end_date - self.start_date).days + 1)]


class Participant(Audited, SQLModel, table=True):
    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("operation_id", "country_code"),)
    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operations.id", index=True)
    country_code: str = Field(foreign_key="countries.alpha3", max_length=3)
    publicity: str = Field(default=Publicity.aggregate, max_length=16)
    # Records of this country are open to all participants by default (TWIX-style), unless a record says otherwise.
    share_by_default: bool = False
    # The country's word on its publicity: the coordinator proposes it with the operation; once a focal point of the
    # country sets or confirms it, only the country changes it.
    publicity_set_by: int | None = Field(default=None, foreign_key="users.id")
    publicity_set_at: datetime | None = None
    extra: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class OperationMember(Audited, SQLModel, table=True):
    """A member of an operation's team (its closed user group) besides the participating countries' focal points:
    a coordinator, analyst or press officer. Leads edit the operation and manage its team."""

    __tablename__ = "operation_members"
    __table_args__ = (UniqueConstraint("operation_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operations.id", index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    role: str = Field(max_length=16)  # coordinator, analyst or press_officer: the account's role or one below it
    lead: bool = False
    added_by: int | None = Field(default=None, foreign_key="users.id")
    added_at: datetime = Field(default_factory=utcnow)


class FocalPoint(Audited, SQLModel, table=True):
    """A national focal point invited to one operation for one country."""

    __tablename__ = "focal_points"
    __table_args__ = (UniqueConstraint("operation_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operations.id", index=True)
    country_code: str = Field(foreign_key="countries.alpha3", max_length=3)
    user_id: int = Field(foreign_key="users.id", index=True)
    invited_at: datetime = Field(default_factory=utcnow)
    invited_by: int | None = Field(default=None, foreign_key="users.id")
    accepted_at: datetime | None = None
    revoked_at: datetime | None = None


class Target(Audited, SQLModel, table=True):
    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("operation_id", "taxon_id"),)
    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operations.id", index=True)
    taxon_id: int = Field(foreign_key="taxa.id")
    priority: bool = False
    notes: str | None = None


class Route(Audited, SQLModel, table=True):
    """A trafficking route: countries of origin, transit and destination, hubs with coordinates, modes."""

    __tablename__ = "routes"
    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operations.id", index=True)
    name: str = Field(max_length=200)
    origin: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    transit: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    destination: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # [{"iata": "NBO", "name": "...", "latitude": .., "longitude": ..}] or a named place without IATA code.
    hubs: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    modes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    risk_notes: str | None = None
