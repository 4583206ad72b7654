"""Photos and documents attached to seizure records, kept in the database as sent, with a thumbnail and a copy for
the public release (both without metadata) for photos, and the country's approval for publicity.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('seizure_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seizure_id', sa.Integer(), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('thumbnail', sa.LargeBinary(), nullable=True),
    sa.Column('public_copy', sa.LargeBinary(), nullable=True),
    sa.Column('publicity_approved', sa.Boolean(), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['seizure_id'], ['seizures.id'], ),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('seizure_id', 'sha256')
    )
    with op.batch_alter_table('seizure_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seizure_attachments_seizure_id'), ['seizure_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('seizure_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seizure_attachments_seizure_id'))

    op.drop_table('seizure_attachments')
