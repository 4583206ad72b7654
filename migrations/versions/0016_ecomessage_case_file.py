"""The Ecomessage's items as CITES Res. Conf. 11.3 (Rev. CoP19), Annex 1 numbers them: the case file on the seizure
(1.1-1.3, 2.1, 2.3, 7, 8.a, 8.d, 9-11), the specimens' description on each item (4.1), a person's 5.a-5.l on each
suspect, and the companies involved (6.a-6.f). Nominal fields are Fernet-encrypted text, written by the app; a
suspect's existing `name` stays as it is and is read when no family or first name is given.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def text(length: int | None = None) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length) if length else sqlmodel.sql.sqltypes.AutoString()


COLUMNS = {
    'seizures': [
        ('offence_description', text()), ('code_name', text(100)), ('legislation', text()),
        ('legal_reference', text(100)), ('penalties', text()), ('reference_point', text(200)),
        ('discovery_city', text(100)), ('carrier', text(200)), ('transport_number', text(100)),
        ('transport_document', text(100)), ('origin_town', text(100)), ('customs_origin_country', text(3)),
        ('origin_at_sea', sa.Boolean()), ('real_destination_country', text(3)),
        ('destination_address_encrypted', text()), ('documents_fraudulent', sa.Boolean()), ('agency_name', text(200)),
        ('agency_address', text(500)), ('agency_telecoms', text(200)), ('agency_contact_encrypted', text()),
        ('packaging', text()),
    ],
    'seizure_items': [
        ('specimen_state', text(8)), ('specimen_sex', text(8)), ('specimen_age', text(100)),
        ('specimen_description', text()),
    ],
    'suspects': [
        ('arrest_date', sa.Date()), ('document_type', text(16)), ('profession', text(100)),
        ('company_function', text(100)),
        *((f'{name}_encrypted', text()) for name in (
            'family_name', 'maiden_name', 'first_names', 'aliases', 'place_of_birth', 'address',
            'document_issue_place', 'document_issue_date', 'document_valid_until', 'company', 'telephone', 'fax',
            'vehicle')),
    ],
}


def upgrade() -> None:
    op.create_table('seizure_companies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seizure_id', sa.Integer(), nullable=False),
    sa.Column('company_type', text(200), nullable=True),
    sa.Column('name', text(200), nullable=True),
    sa.Column('activities', text(), nullable=True),
    sa.Column('headquarters_encrypted', text(), nullable=True),
    sa.Column('registration_number_encrypted', text(), nullable=True),
    sa.Column('business_address_encrypted', text(), nullable=True),
    sa.ForeignKeyConstraint(['seizure_id'], ['seizures.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('seizure_companies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seizure_companies_seizure_id'), ['seizure_id'], unique=False)
    # Nullable columns only: added in place on both databases, the records as they were.
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, kind in columns:
                batch_op.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _kind in reversed(columns):
                batch_op.drop_column(name)
    with op.batch_alter_table('seizure_companies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seizure_companies_seizure_id'))
    op.drop_table('seizure_companies')
