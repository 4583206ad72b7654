"""What a task was asked beyond its slot: a workbook export's filter and fields, too long for the slot's 40
characters.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('job_runs', sa.Column('asked', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('job_runs') as batch:
        batch.drop_column('asked')
