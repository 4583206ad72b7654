"""The CITES annual illegal trade report's reason for a seizure and disposal of the confiscated specimens, as coded
values on the record (models/vocabulary.py SEIZURE_REASONS, DISPOSALS), and the national register: an operation
whose `register_country` is set holds the seizures that country logs outside any operation in one calendar year
(operations/registers.py). Records and operations made before keep these empty.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-12 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEIZURE_COLUMNS = ('seizure_reason', 'disposal')


def upgrade() -> None:
    # Nullable columns only: added in place on both databases, the records as they were.
    with op.batch_alter_table('seizures', schema=None) as batch_op:
        for name in SEIZURE_COLUMNS:
            batch_op.add_column(sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True))
    with op.batch_alter_table('operations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('register_country', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True))
        batch_op.create_foreign_key('fk_operations_register_country', 'countries', ['register_country'], ['alpha3'])


def downgrade() -> None:
    with op.batch_alter_table('operations', schema=None) as batch_op:
        batch_op.drop_constraint('fk_operations_register_country', type_='foreignkey')
        batch_op.drop_column('register_country')
    with op.batch_alter_table('seizures', schema=None) as batch_op:
        for name in reversed(SEIZURE_COLUMNS):
            batch_op.drop_column(name)
