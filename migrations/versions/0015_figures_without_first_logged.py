"""The figures no longer keep when a day was first logged: an update taking a seizure out of a day cannot take back a
minimum, so completeness reads that moment from the records themselves.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('daily_figures', 'window_figures')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('first_logged')


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('first_logged', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # Only the "total" rows carried the moment, from the counted records of their day.
    op.execute("UPDATE daily_figures SET first_logged = (SELECT MIN(s.created_at) FROM seizures s "
               "WHERE s.operation_id = daily_figures.operation_id AND s.reporting_country = daily_figures.country "
               "AND s.seizure_date = daily_figures.day AND s.status IN ('submitted', 'validated', 'queried') "
               "AND s.same_shipment_as_id IS NULL) WHERE dimension = 'total'")
    op.execute("UPDATE window_figures SET first_logged = (SELECT MIN(d.first_logged) FROM daily_figures d "
               "WHERE d.operation_id = window_figures.operation_id AND d.country = window_figures.country "
               "AND d.dimension = 'total') WHERE dimension = 'total'")
