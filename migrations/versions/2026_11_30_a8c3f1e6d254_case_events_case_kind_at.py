"""case events: an index on (case, kind, time), so a case's answer as it stood at a cutoff and whether its deadline
was ever extended are a few index entries each, not a scan of every commune's event log (the national score)

Revision ID: a8c3f1e6d254
Revises: dc3c0b7e9f88
Create Date: 2026-11-30 23:00:00

"""
from alembic import op


revision = 'a8c3f1e6d254'
down_revision = 'dc3c0b7e9f88'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index('ix_case_events_case_kind_at', ['case_id', 'kind', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index('ix_case_events_case_kind_at')
