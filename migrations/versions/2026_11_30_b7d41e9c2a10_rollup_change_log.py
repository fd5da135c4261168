"""rollups' change log: the (day, commune) a moved or deleted row leaves, so the refresh rewrites only what changed;
(commune, day) indexes on responses and cases for the refresh of one commune's days

Revision ID: b7d41e9c2a10
Revises: a93b27a856a6
Create Date: 2026-11-30 17:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7d41e9c2a10'
down_revision = 'a93b27a856a6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rollup_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollup_changes'))
    )
    with op.batch_alter_table('rollup_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rollup_changes_recorded_at'), ['recorded_at'], unique=False)
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index('ix_survey_responses_unit_day', ['unit_id', 'answered_day'], unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_unit_day', ['unit_id', 'received_day'], unique=False)


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_unit_day')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_responses_unit_day')
    with op.batch_alter_table('rollup_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rollup_changes_recorded_at'))
    op.drop_table('rollup_changes')
