"""case events: partial indexes of the answers and reopenings (case, time, id), so a case's answer as it stood at a
cutoff is one step back in an index, and of the approved extensions, so the few extended cases are found without
reading the rest of the log (the score of every commune)

Revision ID: e2b9d4c7a6f1
Revises: c5d2e8a1f0b7
Create Date: 2026-12-01 02:40:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'e2b9d4c7a6f1'
down_revision = 'c5d2e8a1f0b7'
branch_labels = None
depends_on = None

ANSWERS = "kind IN ('answered', 'reopened')"
EXTENSIONS = "kind = 'extension_approved'"


def upgrade():
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index('ix_case_events_answers', ['case_id', 'at', 'id'], unique=False,
                              postgresql_where=sa.text(ANSWERS), sqlite_where=sa.text(ANSWERS))
        batch_op.create_index('ix_case_events_extensions', ['case_id'], unique=False,
                              postgresql_where=sa.text(EXTENSIONS), sqlite_where=sa.text(EXTENSIONS))


def downgrade():
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index('ix_case_events_extensions')
        batch_op.drop_index('ix_case_events_answers')
