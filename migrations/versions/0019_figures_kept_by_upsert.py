"""One row per key in the figures, so that each save adds its seizures' contribution to the rows of its keys
(`INSERT … ON CONFLICT DO UPDATE`) instead of recounting its slice under a lock. Rows that earlier imports appended
for the same key are folded by computing the figures again from the records.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOTHING = sa.text("coalesce(key, '')"), sa.text("coalesce(unit, '')")


def upgrade() -> None:
    from opsplatform.figures.rollup import FIRST_DIMENSIONS, rebuild_statements, window_rebuild_statements

    connection = op.get_bind()
    for statement in (*rebuild_statements(dimensions=FIRST_DIMENSIONS), *window_rebuild_statements()):
        connection.execute(statement)
    # The slice index is the unique key's first columns: it serves the same reads.
    op.drop_index('ix_daily_figures_slice', table_name='daily_figures')
    op.create_index('ux_daily_figures_key', 'daily_figures',
                    ['operation_id', 'country', 'day', 'dimension', *NOTHING], unique=True)
    op.create_index('ux_window_figures_key', 'window_figures',
                    ['operation_id', 'country', 'dimension', *NOTHING], unique=True)


def downgrade() -> None:
    op.drop_index('ux_window_figures_key', table_name='window_figures')
    op.drop_index('ux_daily_figures_key', table_name='daily_figures')
    op.create_index('ix_daily_figures_slice', 'daily_figures', ['operation_id', 'country', 'day'])
