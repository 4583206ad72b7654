"""References as they read: a seizure's reference, and the reference a link names, in Unicode's compatibility form
without characters no one sees (`checks.reference`, which input now applies). Before, "KE-1" with a zero-width space,
or typed on a full-width keyboard, was a second reference that read the same, so a sheet sent again could add a record
twice. Each reference changed is kept in the audit log with its old value. One that would then equal another record's
reference in its country and operation, or be empty or longer than a reference may be, is left as it is (its country
can correct it).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 20:30:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REF_LIMIT = 100  # the column's length, and what input takes


def upgrade() -> None:
    from opsplatform.checks import reference

    connection = op.get_bind()
    seizures = sa.table('seizures', sa.column('id', sa.Integer), sa.column('operation_id', sa.Integer),
                        sa.column('reporting_country', sa.String), sa.column('seizure_ref', sa.String))
    links = sa.table('seizure_links', sa.column('id', sa.Integer), sa.column('other_seizure_ref', sa.String))
    audit = sa.table('audit_events', sa.column('at'), sa.column('actor_id'), sa.column('actor'), sa.column('action'),
                     sa.column('entity'), sa.column('entity_id'), sa.column('before', sa.JSON),
                     sa.column('after', sa.JSON))
    changes: list[dict] = []
    # Only a reference with a character past ASCII can change: those are read, not every record's.
    stored = connection.execute(sa.select(seizures).where(_beyond_ascii(connection, seizures.c.seizure_ref))).all()
    if stored:
        taken = {(row.operation_id, row.reporting_country, row.seizure_ref) for row in connection.execute(
            sa.select(seizures.c.operation_id, seizures.c.reporting_country, seizures.c.seizure_ref).where(
                seizures.c.seizure_ref.in_(sorted({reference(row.seizure_ref) for row in stored}))))}
        for row in sorted(stored, key=lambda row: row.id):  # the earliest record takes the reference
            ref, key = reference(row.seizure_ref), (row.operation_id, row.reporting_country)
            if _rewritten(row.seizure_ref, ref) and (*key, ref) not in taken:
                taken.add((*key, ref))
                connection.execute(seizures.update().where(seizures.c.id == row.id).values(seizure_ref=ref))
                changes.append({"entity": "seizures", "entity_id": str(row.id), "before": {"seizure_ref":
                                row.seizure_ref}, "after": {"seizure_ref": ref}})
    for row in connection.execute(sa.select(links).where(_beyond_ascii(connection, links.c.other_seizure_ref))):
        if _rewritten(row.other_seizure_ref, ref := reference(row.other_seizure_ref)):
            connection.execute(links.update().where(links.c.id == row.id).values(other_seizure_ref=ref))
            changes.append({"entity": "seizure_links", "entity_id": str(row.id),
                            "before": {"other_seizure_ref": row.other_seizure_ref},
                            "after": {"other_seizure_ref": ref}})
    if changes:
        connection.execute(audit.insert(), [{"at": datetime.now(UTC), "actor_id": None, "actor": "migration 0025",
                                             "action": "update", **change} for change in changes])


def _rewritten(stored: str, ref: str) -> bool:
    """Whether a stored reference is written as it reads: where that differs and is a reference input takes."""
    return ref != stored and 0 < len(ref) <= REF_LIMIT


def _beyond_ascii(connection: sa.Connection, column: sa.ColumnElement) -> sa.ColumnElement:
    if connection.dialect.name == "postgresql":
        return column.op("~")(r"[^\x01-\x7f]")
    return column.op("GLOB")("*[^\x01-\x7f]*")


def downgrade() -> None:
    """The old references are in the audit log; they are not put back."""
