"""The floor of the house: every table and coded value, one module per domain, importing nothing of the app but the
core (`database`, `i18n`). Every domain reads its own and the others' tables from here, never through another domain's
services. Imported whole here so that `SQLModel.metadata` is complete for Alembic and tests."""

from sqlmodel import SQLModel

from opsplatform.models.audit import AuditEvent
from opsplatform.models.auth import ApiToken, IdempotentRequest, LoginThrottle, OneTimeLink, User, UserSession
from opsplatform.models.cases import CaseEvent, MessageAttachment, OperationMessage, SeizureLink, SuspectMatch
from opsplatform.models.documents import Artifact
from opsplatform.models.jobs import JobRun
from opsplatform.models.mail import OutboxMessage
from opsplatform.models.notifications import Notification
from opsplatform.models.operations import FocalPoint, Operation, OperationMember, Participant, Route, Target
from opsplatform.models.reference import (
    Airport,
    Country,
    Currency,
    Network,
    NetworkMember,
    Organisation,
    Region,
    Taxon,
    TradeTerm,
    Unit,
)
from opsplatform.models.releases import Release, ReleaseCorrection
from opsplatform.models.reporting import DailyFigure, WindowFigure
from opsplatform.models.seizures import (
    NilReturn,
    Reminder,
    Seizure,
    SeizureAttachment,
    SeizureCompany,
    SeizureItem,
    SheetFile,
    SheetImport,
    StatusChange,
    Suspect,
)

metadata = SQLModel.metadata

__all__ = [
    "metadata", "AuditEvent", "ApiToken", "IdempotentRequest", "LoginThrottle", "OneTimeLink", "User", "UserSession",
    "OutboxMessage", "JobRun", "Notification",
    "Operation", "OperationMember", "Participant", "FocalPoint", "Route", "Target", "Airport", "Country", "Currency",
    "Network", "NetworkMember", "Organisation",
    "CaseEvent", "MessageAttachment", "OperationMessage", "SeizureLink", "SuspectMatch",
    "DailyFigure", "WindowFigure", "Artifact", "Release", "ReleaseCorrection", "Region", "Taxon", "TradeTerm", "Unit",
    "NilReturn", "Reminder", "Seizure", "SeizureAttachment", "SeizureCompany", "SeizureItem", "SheetFile",
    "SheetImport", "StatusChange", "Suspect",
]
