"""The records' slice index holds their status and creation moment too, so that the daily returns grid reads when
each day was first reported from the index alone.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index('ix_seizures_slice', table_name='seizures')
    op.create_index('ix_seizures_slice', 'seizures',
                    ['operation_id', 'reporting_country', 'seizure_date', 'status', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_seizures_slice', table_name='seizures')
    op.create_index('ix_seizures_slice', 'seizures', ['operation_id', 'reporting_country', 'seizure_date'])
