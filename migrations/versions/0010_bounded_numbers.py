"""Numbers within the bounds the validator now keeps: a quantity of at most 10^9 per item, a value of at most 10^15.
A value past them was a slip (a pasted 1e308) that broke figures and documents; each one changed is kept in the
audit log with its old value, so the country can correct its record.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX_QUANTITY = 1e9
MAX_MONEY = 1e15


def upgrade() -> None:
    connection = op.get_bind()
    items = sa.table('seizure_items', sa.column('id', sa.Integer), sa.column('quantity', sa.Float),
                     sa.column('normalised_quantity', sa.Float), sa.column('estimated_value', sa.Float),
                     sa.column('currency', sa.String))
    audit = sa.table('audit_events', sa.column('at'), sa.column('actor_id'), sa.column('actor'), sa.column('action'),
                     sa.column('entity'), sa.column('entity_id'), sa.column('before', sa.JSON),
                     sa.column('after', sa.JSON))
    # NaN is the one value not equal to itself; an infinity is past any bound.
    bad = connection.execute(sa.select(items).where(sa.or_(
        sa.func.abs(items.c.quantity) > MAX_QUANTITY, items.c.quantity != items.c.quantity,
        sa.func.abs(items.c.normalised_quantity) > MAX_QUANTITY,
        items.c.normalised_quantity != items.c.normalised_quantity,
        sa.func.abs(items.c.estimated_value) > MAX_MONEY, items.c.estimated_value != items.c.estimated_value))).all()
    now = datetime.now(UTC)
    if not bad:
        return
    for row in bad:
        after = {"quantity": _bounded(row.quantity, MAX_QUANTITY),
                 "normalised_quantity": _bounded(row.normalised_quantity, MAX_QUANTITY)}
        if row.estimated_value is not None and _bounded(row.estimated_value, MAX_MONEY) != row.estimated_value:
            after |= {"estimated_value": None, "currency": None}
        connection.execute(items.update().where(items.c.id == row.id).values(**after))
        connection.execute(audit.insert().values(
            at=now, actor_id=None, actor="migration 0010", action="update", entity="seizure_items",
            entity_id=str(row.id), before={k: str(getattr(row, k)) for k in after}, after=after))
    # The figures those items fed are made again from the records.
    from opsplatform.figures.rollup import FIRST_DIMENSIONS, rebuild_statements, window_rebuild_statements

    operations = connection.execute(sa.text(
        "SELECT DISTINCT s.operation_id FROM seizures s JOIN seizure_items i ON i.seizure_id = s.id "
        "WHERE i.id IN (" + ",".join(str(int(row.id)) for row in bad) + ")")).scalars().all()
    for operation_id in operations:
        for statement in (*rebuild_statements(operation_id, FIRST_DIMENSIONS),
                          *window_rebuild_statements(operation_id)):
            connection.execute(statement)


def _bounded(value: float | None, bound: float) -> float | None:
    if value is None or value != value:  # NaN
        return bound if value is not None else None
    return max(-bound, min(bound, value))


def downgrade() -> None:
    """The old values are in the audit log; they are not put back."""
