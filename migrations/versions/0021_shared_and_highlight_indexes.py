"""Indexes of the records opened to all participants, which every focal point reads beside its own country's, and
of the records approved as a release's highlights.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 02:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_seizures_shared', 'seizures', ['operation_id', 'seizure_date'],
                    postgresql_where=sa.text('shared_with_participants'),
                    sqlite_where=sa.text('shared_with_participants = 1'))
    op.create_index('ix_seizures_publicity', 'seizures', ['operation_id', 'seizure_date'],
                    postgresql_where=sa.text('publicity_approved'), sqlite_where=sa.text('publicity_approved = 1'))


def downgrade() -> None:
    op.drop_index('ix_seizures_publicity', table_name='seizures')
    op.drop_index('ix_seizures_shared', table_name='seizures')
