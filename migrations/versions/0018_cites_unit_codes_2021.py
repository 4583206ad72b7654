"""Units in the codes of the CITES guidelines since May 2021 (KIL → KGM, CUM → MTQ, SQM → MTK, CCM → CMQ, and NAR,
the number of specimens): the unit rows, the items and figures that name them, and the units each trade term is
recorded in (seed/trade_terms.csv, NAR where the number of specimens is given); the former codes stay readable as
aliases. A sheet upload keeps the language its numbers and dates are read in, when one was chosen.

A database without reference data (a new one) is left to the reference load.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-14 10:00:00
"""

import csv
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from opsplatform import paths

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RENAMED = {'KIL': 'KGM', 'CUM': 'MTQ', 'SQM': 'MTK', 'CCM': 'CMQ'}
NUMBER = {'code': 'NAR', 'name_en': 'number of specimens', 'name_fr': 'nombre de spécimens',
          'name_es': 'número de especímenes', 'family': 'number', 'factor': None,
          'aliases': 'no;no.;nr;number;number of specimens;specimens'}

UNITS = sa.table('units', *(sa.column(c) for c in ('code', 'name_en', 'name_fr', 'name_es', 'family', 'factor',
                                                   'aliases')))
TERMS = sa.table('trade_terms', sa.column('code'), sa.column('preferred_unit'), sa.column('alternative_unit'))
ITEMS = sa.table('seizure_items', sa.column('unit_code'), sa.column('normalised_unit'))
FIGURES = [sa.table(name, sa.column('unit')) for name in ('daily_figures', 'window_figures')]


def upgrade() -> None:
    with op.batch_alter_table('sheet_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    bind = op.get_bind()
    if bind.execute(sa.select(UNITS.c.code).limit(1)).first() is None:
        return
    _rename(bind, RENAMED, lambda aliases, old, new: ';'.join(dict.fromkeys([old.lower(), *aliases.split(';')])))
    if bind.execute(sa.select(UNITS.c.code).where(UNITS.c.code == NUMBER['code'])).first() is None:
        bind.execute(sa.insert(UNITS).values(NUMBER))
    with open(paths.SEED / 'trade_terms.csv', newline='', encoding='utf-8') as f:
        for row in csv.DictReader(f):
            bind.execute(sa.update(TERMS).where(TERMS.c.code == row['code']).values(
                preferred_unit=row['preferred_unit'] or None, alternative_unit=row['alternative_unit'] or None))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.execute(sa.select(UNITS.c.code).limit(1)).first() is not None:
        _rename(bind, {new: old for old, new in RENAMED.items()},
                lambda aliases, old, new: ';'.join(a for a in aliases.split(';') if a != new.lower()))
        # Before, an empty preferred unit meant the number of specimens and an empty alternative none.
        for column in (TERMS.c.preferred_unit, TERMS.c.alternative_unit):
            for old, new in RENAMED.items():
                bind.execute(sa.update(TERMS).values({column.name: sa.func.replace(column, new, old)}))
            bind.execute(sa.update(TERMS).where(column == NUMBER['code']).values({column.name: None}))
        bind.execute(sa.delete(UNITS).where(UNITS.c.code == NUMBER['code']))
    with op.batch_alter_table('sheet_imports', schema=None) as batch_op:
        batch_op.drop_column('locale')


def _rename(bind: sa.Connection, pairs: dict[str, str], aliases_of) -> None:
    """Each unit row under its new code (the items' foreign key moves with it), then the old row gone."""
    for old, new in pairs.items():
        row = bind.execute(sa.select(UNITS).where(UNITS.c.code == old)).mappings().first()
        if row is None:
            continue
        if bind.execute(sa.select(UNITS.c.code).where(UNITS.c.code == new)).first() is None:
            bind.execute(sa.insert(UNITS).values({**row, 'code': new,
                                                  'aliases': aliases_of(row['aliases'] or '', old, new)}))
        bind.execute(sa.update(ITEMS).where(ITEMS.c.unit_code == old).values(unit_code=new))
        bind.execute(sa.update(ITEMS).where(ITEMS.c.normalised_unit == old).values(normalised_unit=new))
        for figures in FIGURES:
            bind.execute(sa.update(figures).where(figures.c.unit == old).values(unit=new))
        bind.execute(sa.delete(UNITS).where(UNITS.c.code == old))
