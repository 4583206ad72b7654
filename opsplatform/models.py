"""Every table, imported in one place so that `SQLModel.metadata` is complete for Alembic and tests."""

from sqlmodel import SQLModel

from opsplatform.audit.models import AuditEvent
from opsplatform.auth.models import ApiToken, IdempotentRequest, LoginThrottle, OneTimeLink, User, UserSession
from opsplatform.cases.models import CaseEvent, MessageAttachment, OperationMessage, SeizureLink, SuspectMatch
from opsplatform.documents.models import Artifact
from opsplatform.jobs.models import JobRun
from opsplatform.mail.models import OutboxMessage
from opsplatform.notifications.models import Notification
from opsplatform.operations.models import FocalPoint, Operation, OperationMember, Participant, Route, Target
from opsplatform.reference.models import (
    Airport, Country, Currency, Network, NetworkMember, Organisation, Region, Taxon, TradeTerm, Unit,
)
from opsplatform.releases.models import Release, ReleaseCorrection
from opsplatform.reporting.models import DailyFigure, WindowFigure
from opsplatform.seizures.models import (
    NilReturn, Reminder, Seizure, SeizureItem, SheetFile, SheetImport, StatusChange, Suspect,
)

metadata = SQLModel.metadata

__all__ = [
    "metadata", "AuditEvent", "ApiToken", "IdempotentRequest", "LoginThrottle", "OneTimeLink", "User", "UserSession", "OutboxMessage", "JobRun", "Notification",
    "Operation", "OperationMember", "Participant", "FocalPoint", "Route", "Target", "Airport", "Country", "Currency", "Network", "NetworkMember", "Organisation",
    "CaseEvent", "MessageAttachment", "OperationMessage", "SeizureLink", "SuspectMatch",
    "DailyFigure", "WindowFigure", "Artifact", "Release", "ReleaseCorrection", "Region", "Taxon", "TradeTerm", "Unit", "NilReturn", "Reminder", "Seizure", "SeizureItem", "SheetFile", "SheetImport", "StatusChange", "Suspect",
]
