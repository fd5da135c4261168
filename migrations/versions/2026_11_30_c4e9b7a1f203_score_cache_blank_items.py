"""score cache: how many items are still blank (the city dashboard shows it beside each self-score)

Revision ID: c4e9b7a1f203
Revises: 8a3f6d2c1b90
Create Date: 2026-11-30 14:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c4e9b7a1f203'
down_revision = '8a3f6d2c1b90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('score_cache', schema=None) as batch_op:
        batch_op.add_column(sa.Column('blank', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('score_cache', schema=None) as batch_op:
        batch_op.drop_column('blank')
