"""Each taxon keeps its line of names from the top down (`lineage`), and the figures count each public release line
(ivory, pangolin scales, live birds…) as they count trade terms, so a release is compiled from the kept figures
rather than from every item of the operation. The figures are computed again from the records.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from opsplatform.figures.rollup import rebuild_statements, window_rebuild_statements
    from opsplatform.reference.loader import lineages

    with op.batch_alter_table('taxa') as batch:
        batch.add_column(sa.Column('lineage', sa.String(), nullable=False, server_default=''))
    connection = op.get_bind()
    taxa = sa.table('taxa', sa.column('id', sa.Integer), sa.column('scientific_name', sa.String),
                    sa.column('parent_id', sa.Integer), sa.column('lineage', sa.String))
    rows = connection.execute(sa.select(taxa.c.id, taxa.c.scientific_name, taxa.c.parent_id)).all()
    found = lineages({row.id: row.parent_id for row in rows}, {row.id: row.scientific_name for row in rows})
    if found:
        connection.execute(taxa.update().where(taxa.c.id == sa.bindparam('taxon_id')),
                           [{'taxon_id': taxon_id, 'lineage': lineage} for taxon_id, lineage in found.items()])
    for statement in (*rebuild_statements(), *window_rebuild_statements()):
        connection.execute(statement)


def downgrade() -> None:
    for table in ('daily_figures', 'window_figures'):
        op.execute(sa.text(f"DELETE FROM {table} WHERE dimension = 'commodity'"))
    with op.batch_alter_table('taxa') as batch:
        batch.drop_column('lineage')
