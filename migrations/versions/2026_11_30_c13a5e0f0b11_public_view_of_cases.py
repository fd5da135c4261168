"""public view of cases: moderated public text, citizen-private and confidential flags

Revision ID: c13a5e0f0b11
Revises: 5e1c0a9d4b21
Create Date: 2026-11-30 13:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c13a5e0f0b11'
down_revision = '5e1c0a9d4b21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_content', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('citizen_private', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('confidential', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('confidential')
        batch_op.drop_column('citizen_private')
        batch_op.drop_column('public_content')
