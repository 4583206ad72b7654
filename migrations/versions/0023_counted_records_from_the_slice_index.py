"""The records' slice index holds what makes a record count (its link to another country's record of the same
shipment) and, on PostgreSQL, the record's id, so that an operation's counted records are read from the index alone.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 08:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index('ix_seizures_slice', table_name='seizures')
    op.create_index('ix_seizures_slice', 'seizures', ['operation_id', 'reporting_country', 'seizure_date', 'status',
                                                      'created_at', 'same_shipment_as_id'], postgresql_include=['id'])


def downgrade() -> None:
    op.drop_index('ix_seizures_slice', table_name='seizures')
    op.create_index('ix_seizures_slice', 'seizures',
                    ['operation_id', 'reporting_country', 'seizure_date', 'status', 'created_at'])
