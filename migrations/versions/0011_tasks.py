"""Work that leaves the request: a task is a job run that is queued, claimed by one worker process and followed by
its progress (done of total) and heartbeat; its worker's peak memory is kept. A sheet upload records who asked for
its current check or import and when it was checked, and one sheet at a time is imported per country and operation.
The uploaded file moves to a table of its own: the upload's row changes with each batch imported, and SQLite
rewrites a whole row, file included, for any change.

Uploads left running by the old in-process import are marked failed: whatever they committed stays, and they can be
run again.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUNNING = "status = 'running'"


def upgrade() -> None:
    with op.batch_alter_table('job_runs') as batch_op:
        batch_op.add_column(sa.Column('total', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('heartbeat_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('memory_mb', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('worker', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
    with op.batch_alter_table('sheet_imports') as batch_op:
        batch_op.add_column(sa.Column('run_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('checked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key('fk_sheet_imports_run_by_users', 'users', ['run_by'], ['id'])
    op.create_table(
        'sheet_files',
        sa.Column('upload_id', sa.Integer(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['upload_id'], ['sheet_imports.id']),
        sa.PrimaryKeyConstraint('upload_id'))
    op.execute("INSERT INTO sheet_files (upload_id, content) SELECT id, content FROM sheet_imports")
    with op.batch_alter_table('sheet_imports') as batch_op:
        batch_op.drop_column('content')
    op.execute("UPDATE sheet_imports SET run_by = uploaded_by, checked_at = created_at")
    op.execute("UPDATE sheet_imports SET status = 'failed' WHERE status IN ('running', 'uploaded')")
    op.create_index('ix_sheet_imports_one_running', 'sheet_imports', ['operation_id', 'country_code'], unique=True,
                    postgresql_where=sa.text(RUNNING), sqlite_where=sa.text(RUNNING))


def downgrade() -> None:
    op.drop_index('ix_sheet_imports_one_running', table_name='sheet_imports')
    with op.batch_alter_table('sheet_imports') as batch_op:
        batch_op.add_column(sa.Column('content', sa.LargeBinary(), nullable=False, server_default=''))
    op.execute("UPDATE sheet_imports SET content = (SELECT content FROM sheet_files "
               "WHERE sheet_files.upload_id = sheet_imports.id)")
    op.drop_table('sheet_files')
    with op.batch_alter_table('sheet_imports') as batch_op:
        batch_op.drop_constraint('fk_sheet_imports_run_by_users', type_='foreignkey')
        batch_op.drop_column('checked_at')
        batch_op.drop_column('run_by')
    with op.batch_alter_table('job_runs') as batch_op:
        batch_op.drop_column('worker')
        batch_op.drop_column('memory_mb')
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('total')
