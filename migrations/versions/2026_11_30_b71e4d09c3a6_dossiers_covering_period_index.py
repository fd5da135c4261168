"""dossiers: the (commune, day of receipt) index carries on PostgreSQL what the score's dossier pass reads (times,
status, channel, fast track, code), so a year of a batch of communes is read from the index alone, not from the
wide rows with their procedure names

Revision ID: b71e4d09c3a6
Revises: a8c3f1e6d254
Create Date: 2026-11-30 23:40:00

"""
from alembic import op


revision = 'b71e4d09c3a6'
down_revision = 'a8c3f1e6d254'
branch_labels = None
depends_on = None

COVERED = ['received_at', 'due_at', 'settled_at', 'status', 'channel', 'fast_track', 'code', 'id']


def upgrade():
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index('ix_dossiers_unit_received_day')
        batch_op.create_index('ix_dossiers_unit_received_day', ['unit_id', 'received_day'], unique=False,
                              postgresql_include=COVERED)


def downgrade():
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index('ix_dossiers_unit_received_day')
        batch_op.create_index('ix_dossiers_unit_received_day', ['unit_id', 'received_day'], unique=False)
