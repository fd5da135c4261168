"""the official code of an administrative unit (mã đơn vị hành chính), shown on the city's documents

Revision ID: e5b1d0c7a2f4
Revises: a93b27a856a6
Create Date: 2026-11-30 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b1d0c7a2f4'
down_revision = 'b7d41e9c2a10'
branch_labels = None
depends_on = None


def upgrade():
    # a plain column and a unique index: no table rebuild (SQLite's batch mode would drop a referenced table)
    op.add_column('admin_units', sa.Column('official_code', sa.String(length=16), nullable=True))
    op.create_index(op.f('ix_admin_units_official_code'), 'admin_units', ['official_code'], unique=True)


def downgrade():
    op.drop_index(op.f('ix_admin_units_official_code'), table_name='admin_units')
    op.drop_column('admin_units', 'official_code')
