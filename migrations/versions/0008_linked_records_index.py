"""The same-shipment index holds only linked records: one holding every unlinked row led PostgreSQL, before its
statistics caught up with a fresh import, to read every record where it wanted a few.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 11:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LINKED = "same_shipment_as_id IS NOT NULL"


def upgrade() -> None:
    op.drop_index('ix_seizures_same_shipment_as_id', table_name='seizures')
    op.create_index('ix_seizures_same_shipment_as_id', 'seizures', ['same_shipment_as_id'],
                    postgresql_where=sa.text(LINKED), sqlite_where=sa.text(LINKED))


def downgrade() -> None:
    op.drop_index('ix_seizures_same_shipment_as_id', table_name='seizures')
    op.create_index('ix_seizures_same_shipment_as_id', 'seizures', ['same_shipment_as_id'])
