"""Operation teams (closed user groups), documents that carry their scope, the country's word on its publicity, and
login throttling counted atomically per account and address.

Every existing coordinator, analyst and press officer joins every existing operation, so an upgrade takes nothing
away: global coordinators lead (they could edit every operation before); a coordinator limited to a network joins
only the operations its network takes part in (it saw no others). Existing documents keep the whole operation's
scope, readable as before by those who reach every country.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'operation_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('operation_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('lead', sa.Boolean(), nullable=False),
        sa.Column('added_by', sa.Integer(), nullable=True),
        sa.Column('added_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['added_by'], ['users.id']),
        sa.ForeignKeyConstraint(['operation_id'], ['operations.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('operation_id', 'user_id'),
    )
    op.create_index(op.f('ix_operation_members_operation_id'), 'operation_members', ['operation_id'])
    op.create_index(op.f('ix_operation_members_user_id'), 'operation_members', ['user_id'])
    now = datetime.now(UTC)
    op.execute(sa.text(
        "INSERT INTO operation_members (operation_id, user_id, role, lead, added_at) "
        "SELECT o.id, u.id, u.role, u.role = 'coordinator' AND u.network_code IS NULL, :now "
        "FROM operations o CROSS JOIN users u "
        "WHERE u.role IN ('coordinator', 'analyst', 'press_officer') AND (u.network_code IS NULL OR EXISTS ("
        "  SELECT 1 FROM participants p JOIN network_members n ON n.country_code = p.country_code "
        "  WHERE p.operation_id = o.id AND n.network_code = u.network_code))").bindparams(now=now))

    with op.batch_alter_table('participants') as batch_op:
        batch_op.add_column(sa.Column('publicity_set_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('publicity_set_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key('fk_participants_publicity_set_by', 'users', ['publicity_set_by'], ['id'])
    with op.batch_alter_table('artifacts') as batch_op:
        batch_op.add_column(sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False,
                                      server_default='operation'))
        batch_op.add_column(sa.Column('countries', sa.JSON(), nullable=True))
    with op.batch_alter_table('artifacts') as batch_op:
        batch_op.alter_column('scope', server_default=None)

    # A link may be asked for by the other country's reference before (or whether or not) that record exists.
    with op.batch_alter_table('seizure_links') as batch_op:
        batch_op.add_column(sa.Column('other_seizure_ref', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch_op.alter_column('other_seizure_id', existing_type=sa.Integer(), nullable=True)
    op.execute("UPDATE seizure_links SET other_seizure_ref = (SELECT seizure_ref FROM seizures "
               "WHERE seizures.id = seizure_links.other_seizure_id)")

    op.drop_index('ix_login_attempts_created_at', table_name='login_attempts')
    op.drop_index('ix_login_attempts_email', table_name='login_attempts')
    op.drop_table('login_attempts')
    op.create_table(
        'login_throttle',
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('window_start', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )


def downgrade() -> None:
    op.drop_table('login_throttle')
    with op.batch_alter_table('seizure_links') as batch_op:
        batch_op.alter_column('other_seizure_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('other_seizure_ref')
    op.create_table(
        'login_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_login_attempts_email', 'login_attempts', ['email'])
    op.create_index('ix_login_attempts_created_at', 'login_attempts', ['created_at'])
    with op.batch_alter_table('artifacts') as batch_op:
        batch_op.drop_column('countries')
        batch_op.drop_column('scope')
    with op.batch_alter_table('participants') as batch_op:
        batch_op.drop_constraint('fk_participants_publicity_set_by', type_='foreignkey')
        batch_op.drop_column('publicity_set_at')
        batch_op.drop_column('publicity_set_by')
    op.drop_index(op.f('ix_operation_members_user_id'), table_name='operation_members')
    op.drop_index(op.f('ix_operation_members_operation_id'), table_name='operation_members')
    op.drop_table('operation_members')
