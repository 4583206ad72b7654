"""Results: seizures with their items, suspects and attachments, and nil returns."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ColumnElement, Index, LargeBinary, UniqueConstraint, and_, text
from sqlmodel import Field, SQLModel

from opsplatform.database import one_of, utcnow
from opsplatform.models.audited import Audited


class SeizureStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    validated = "validated"
    queried = "queried"
    withdrawn = "withdrawn"


COUNTED_STATUSES = (SeizureStatus.submitted, SeizureStatus.validated, SeizureStatus.queried)

# Nominal data: what identifies a natural person, and a business's addresses, telecommunications and registration,
# treated the same way. Each is kept Fernet-encrypted in a `<name>_encrypted` column, shown only to users cleared for
# the record's country, and never exported, logged or released.
SEIZURE_NOMINAL = ("destination_address", "agency_contact")
SUSPECT_NOMINAL = ("name", "date_of_birth", "document_number", "family_name", "maiden_name", "first_names", "aliases",
                   "place_of_birth", "address", "document_issue_place", "document_issue_date", "document_valid_until",
                   "company", "telephone", "fax", "vehicle")
COMPANY_NOMINAL = ("headquarters", "registration_number", "business_address")


def encrypted(names: tuple[str, ...]) -> frozenset[str]:
    """The columns that hold these nominal fields: the audit log says they changed, never their value."""
    return frozenset(f"{name}_encrypted" for name in names)
LINKED = "same_shipment_as_id IS NOT NULL"


def counted() -> ColumnElement[bool]:
    """The seizures that count in figures: a counted status, and not the later record of a shipment that another
    country logged too (`same_shipment_as_id`, set when both countries agree to link them). The one definition for
    the summary, the daily figures, completeness and the follow-up funnel."""
    return and_(one_of(Seizure.status, COUNTED_STATUSES), Seizure.same_shipment_as_id.is_(None))


class Seizure(Audited, SQLModel, table=True):
    __tablename__ = "seizures"
    __audit_redact__ = encrypted(SEIZURE_NOMINAL)
    __table_args__ = (
        UniqueConstraint("operation_id", "reporting_country", "seizure_ref"),
        Index("ix_seizures_operation_status_date", "operation_id", "status", "seizure_date"),
        # A country's records by day, holding what the daily returns grid asks of them (when each day was first
        # reported), what makes a record count (`counted`) and how far its case went, so that these read the index
        # alone: the grid 210 ms to 22 ms, an operation's counted records (a release's commodity lines) 203 ms to
        # 27 ms, the follow-up funnel 381 ms to 113 ms, at 100,000 on SQLite. PostgreSQL has no row id in an index:
        # it holds the id too.
        Index("ix_seizures_slice", "operation_id", "reporting_country", "seizure_date", "status", "created_at",
              "same_shipment_as_id", "case_status", postgresql_include=["id"]),
        # Only linked records (a few): an index holding every unlinked row lured PostgreSQL, before its statistics
        # caught up with a fresh import, into reading every record for "same_shipment_as_id IS NULL".
        Index("ix_seizures_same_shipment_as_id", "same_shipment_as_id", postgresql_where=text(LINKED),
              sqlite_where=text(LINKED)),
        # Only the records opened to all participants, which every focal point reads beside its own country's
        # (policy.records). SQLite writes the flag as "= 1" in queries: its index must say the same to be used.
        Index("ix_seizures_shared", "operation_id", "seizure_date", postgresql_where=text("shared_with_participants"),
              sqlite_where=text("shared_with_participants = 1")),
        # Only the records approved as highlights of a release, which it reads by date (releases/figures.py).
        Index("ix_seizures_publicity", "operation_id", "seizure_date", postgresql_where=text("publicity_approved"),
              sqlite_where=text("publicity_approved = 1")),
    )
    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operations.id")
    reporting_country: str = Field(foreign_key="countries.alpha3", max_length=3)
    seizure_ref: str = Field(max_length=100)
    seizure_date: date
    location: str | None = Field(default=None, max_length=200)
    latitude: float | None = None
    longitude: float | None = None
    location_type: str | None = Field(default=None, max_length=16)
    detection_method: str | None = Field(default=None, max_length=24)
    transport_mode: str | None = Field(default=None, max_length=16)
    agency: str | None = Field(default=None, max_length=16)
    origin_country: str | None = Field(default=None, max_length=3)
    export_country: str | None = Field(default=None, max_length=3)
    destination_country: str | None = Field(default=None, max_length=3)
    transit_countries: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    concealment: str | None = None
    suspects_arrested: int = 0
    suspect_nationalities: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    case_status: str | None = Field(default=None, max_length=16)
    notes: str | None = None
    # The annual illegal trade report's reason for the seizure and disposal of the specimens (vocabulary.py).
    seizure_reason: str | None = Field(default=None, max_length=24)
    disposal: str | None = Field(default=None, max_length=24)
    # The case file for the Ecomessage (CITES Res. Conf. 11.3 (Rev. CoP19), Annex 1), by the form's items; the form,
    # the API and the sheet's optional columns fill it (models/vocabulary.py CASE_FIELDS).
    seizure_time: str | None = Field(default=None, max_length=5)  # HH:MM, local time of the discovery (3)
    offence_description: str | None = None  # 1.1
    code_name: str | None = Field(default=None, max_length=100)  # 1.2; the operation's code when empty
    # 1.3: the law under which charges were brought (also the annual illegal trade report's), the case's reference
    # number and the penalties the law allows.
    legislation: str | None = None
    legal_reference: str | None = Field(default=None, max_length=100)
    penalties: str | None = None
    reference_point: str | None = Field(default=None, max_length=200)  # 2.1: distance and direction, at sea or inland
    discovery_city: str | None = Field(default=None, max_length=100)  # 2.3
    carrier: str | None = Field(default=None, max_length=200)  # 7: airline, shipping line, haulier
    transport_number: str | None = Field(default=None, max_length=100)  # 7: flight, vessel or vehicle
    transport_document: str | None = Field(default=None, max_length=100)  # 7: air waybill, bill of lading
    origin_town: str | None = Field(default=None, max_length=100)  # 8.a, with origin_country (CITES origin)
    customs_origin_country: str | None = Field(default=None, max_length=3)  # 8.a: last substantial transformation
    origin_at_sea: bool | None = None  # 8.a: taken from the sea
    real_destination_country: str | None = Field(default=None, max_length=3)  # 8.d; destination_country is declared
    destination_address_encrypted: str | None = None  # 8.d, nominal
    companies_involved: str | None = None  # 6: remarks beside the companies recorded (SeizureCompany)
    documents_used: str | None = None  # 9
    documents_fraudulent: bool | None = None  # 9: altered or fraudulent
    agency_name: str | None = Field(default=None, max_length=200)  # 10
    agency_address: str | None = Field(default=None, max_length=500)
    agency_telecoms: str | None = Field(default=None, max_length=200)
    agency_contact_encrypted: str | None = None  # 10: the contact person, nominal
    modus_operandi: str | None = None  # 11
    packaging: str | None = None  # 11
    # Set when both countries agreed this record is the same shipment as an earlier-logged one: it then counts once.
    same_shipment_as_id: int | None = Field(default=None, foreign_key="seizures.id")
    # TWIX-style sharing: open to every participant of the operation, not only to the own country.
    shared_with_participants: bool = False
    publicity_approved: bool = False
    public_description: str | None = None
    status: str = Field(default=SeizureStatus.submitted, max_length=16)
    version: int = 1
    created_by: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class SeizureItem(Audited, SQLModel, table=True):
    __tablename__ = "seizure_items"
    __table_args__ = (UniqueConstraint("seizure_id", "item_no"),)
    id: int | None = Field(default=None, primary_key=True)
    seizure_id: int = Field(foreign_key="seizures.id", index=True)
    item_no: int = 1
    taxon_id: int = Field(foreign_key="taxa.id", index=True)
    term_code: str = Field(foreign_key="trade_terms.code", max_length=3)
    quantity: float
    unit_code: str | None = Field(default=None, foreign_key="units.code", max_length=3)
    # Written once by the validator from the units table so that sums never mix units (kg, m3, l, number, or code).
    normalised_unit: str = Field(max_length=8)
    normalised_quantity: float
    estimated_value: float | None = None
    currency: str | None = Field(default=None, max_length=3)
    # The Ecomessage's precise description of the specimens (4.1).
    specimen_state: str | None = Field(default=None, max_length=8)  # live or dead
    specimen_sex: str | None = Field(default=None, max_length=8)
    specimen_age: str | None = Field(default=None, max_length=100)
    specimen_description: str | None = None


class Suspect(Audited, SQLModel, table=True):
    """A person involved (the Ecomessage's 5.a to 5.l). Everything that identifies the person (SUSPECT_NOMINAL) is
    Fernet-encrypted and never leaves cleared views. `name` is the whole name of records made before names were
    split into family and first names: still accepted and shown when the split ones are empty."""

    __tablename__ = "suspects"
    __audit_redact__ = encrypted(SUSPECT_NOMINAL) | {"document_hash"}
    id: int | None = Field(default=None, primary_key=True)
    seizure_id: int = Field(foreign_key="seizures.id", index=True)
    nationality: str | None = Field(default=None, max_length=3)
    sex: str | None = Field(default=None, max_length=8)
    role: str | None = Field(default=None, max_length=16)  # the function in the offence (5.l)
    arrest_date: date | None = None
    document_type: str | None = Field(default=None, max_length=16)  # passport, national ID…
    profession: str | None = Field(default=None, max_length=100)
    company_function: str | None = Field(default=None, max_length=100)  # 5.k, in the company named in `company`
    name_encrypted: str | None = None
    date_of_birth_encrypted: str | None = None
    document_number_encrypted: str | None = None
    family_name_encrypted: str | None = None
    maiden_name_encrypted: str | None = None
    first_names_encrypted: str | None = None
    aliases_encrypted: str | None = None
    place_of_birth_encrypted: str | None = None
    address_encrypted: str | None = None
    document_issue_place_encrypted: str | None = None
    document_issue_date_encrypted: str | None = None
    document_valid_until_encrypted: str | None = None
    company_encrypted: str | None = None
    telephone_encrypted: str | None = None
    fax_encrypted: str | None = None
    vehicle_encrypted: str | None = None
    # HMAC-SHA256 of the normalised document number (OPSPLATFORM_MATCH_KEY): finds the same person recorded by two
    # countries without either seeing the other's nominal data. Never the plain value.
    document_hash: str | None = Field(default=None, max_length=64, index=True)


class SeizureCompany(Audited, SQLModel, table=True):
    """A business involved in a seizure (the Ecomessage's 6.a to 6.f). Its type, name and activities are kept as
    they are; its addresses, telecommunications and registration number (COMPANY_NOMINAL) like nominal data."""

    __tablename__ = "seizure_companies"
    __audit_redact__ = encrypted(COMPANY_NOMINAL)
    id: int | None = Field(default=None, primary_key=True)
    seizure_id: int = Field(foreign_key="seizures.id", index=True)
    company_type: str | None = Field(default=None, max_length=200)  # its legal type
    name: str | None = Field(default=None, max_length=200)  # the legal name and any trade names
    activities: str | None = None
    headquarters_encrypted: str | None = None  # address and telecommunications of the headquarters
    registration_number_encrypted: str | None = None
    business_address_encrypted: str | None = None  # with phone and fax, when not the headquarters'


class SeizureAttachment(Audited, SQLModel, table=True):
    """A photo or document attached to a record, kept as sent (evidence) in the database so every instance serves it.
    A photo also keeps a thumbnail and a copy for the public release, both re-encoded without any metadata (EXIF,
    GPS, the camera's owner); the copy illustrates the release only once the record's country approves it."""

    __tablename__ = "seizure_attachments"
    # The same bytes are kept once per record: a second upload of them is said, not stored.
    __table_args__ = (UniqueConstraint("seizure_id", "sha256"),)
    __audit_redact__ = frozenset({"content", "thumbnail", "public_copy"})
    id: int | None = Field(default=None, primary_key=True)
    seizure_id: int = Field(foreign_key="seizures.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    thumbnail: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    public_copy: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    publicity_approved: bool = False
    uploaded_by: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)


class NilReturn(Audited, SQLModel, table=True):
    """A country's "nothing to report" for one day of an operation."""

    __tablename__ = "nil_returns"
    __table_args__ = (UniqueConstraint("operation_id", "country_code", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operations.id", index=True)
    country_code: str = Field(foreign_key="countries.alpha3", max_length=3)
    day: date
    created_by: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)


class StatusChange(SQLModel, table=True):
    """A seizure's status history: submissions, validations, queries with their message, answers, withdrawals."""

    __tablename__ = "seizure_status_changes"
    id: int | None = Field(default=None, primary_key=True)
    seizure_id: int = Field(foreign_key="seizures.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    actor_id: int | None = Field(default=None, foreign_key="users.id")
    actor: str = Field(max_length=254)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    message: str | None = None


ONE_RUNNING = "status = 'running'"


class SheetImport(SQLModel, table=True):
    """An uploaded seizure sheet, kept with its report and committed counts; its check and import run as tasks
    (seizures/sheet_tasks.py), one import at a time per country of an operation."""

    __tablename__ = "sheet_imports"
    __table_args__ = (Index("ix_sheet_imports_one_running", "operation_id", "country_code", unique=True,
                            postgresql_where=text(ONE_RUNNING), sqlite_where=text(ONE_RUNNING)),)
    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operations.id", index=True)
    country_code: str = Field(foreign_key="countries.alpha3", max_length=3)
    filename: str = Field(max_length=255)
    sha256: str = Field(max_length=64)
    # The language its numbers and dates are read in (a Babel locale such as fr_FR), when the sender chose one; none:
    # the reporting country's (checks.country_locale).
    locale: str | None = Field(default=None, max_length=16)
    uploaded_by: int | None = Field(default=None, foreign_key="users.id")  # None: the command line
    run_by: int | None = Field(default=None, foreign_key="users.id")  # who asked for its current check or import
    created_at: datetime = Field(default_factory=utcnow)
    checked_at: datetime | None = None  # its preview was made: an import can run
    status: str = Field(default="checking", max_length=16)  # see sheet_tasks
    rows_total: int = 0
    rows_done: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    report: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    finished_at: datetime | None = None


class SheetFile(SQLModel, table=True):
    """An upload's file as sent, apart from its row: the row changes with every batch imported, and SQLite rewrites
    a whole row (a 60 MB file with it) for any change."""

    __tablename__ = "sheet_files"
    upload_id: int = Field(foreign_key="sheet_imports.id", primary_key=True)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Reminder(SQLModel, table=True):
    """A country was reminded about one unreported day of an operation: the unique key makes it happen once."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("operation_id", "country_code", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operations.id", index=True)
    country_code: str = Field(foreign_key="countries.alpha3", max_length=3)
    day: date
    sent_at: datetime = Field(default_factory=utcnow)
    recipients: int = 0
