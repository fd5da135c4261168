"""the official code of an administrative unit (mã đơn vị hành chính), shown on the city's documents

Revision ID: e5b1d0c7a2f4
Revises: a93b27a856a6
Create Date: 2026-11-30 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b1d0c7a2f4'
down_revision = 'a93b27a856a6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('admin_units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('official_code', sa.String(length=16), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_admin_units_official_code'), ['official_code'])


def downgrade():
    with op.batch_alter_table('admin_units', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_admin_units_official_code'), type_='unique')
        batch_op.drop_column('official_code')
