"""dossiers settled per day of receipt × commune × day of settlement, with what the score's dossier rules count,
so a score reads the raw rows only of the dossiers still open at its cutoff (an index on the time of settlement
finds them, and a partial index the late ones it names); the monthly response counts by centre as well (the
score's months of each centre); the rollups are marked unbuilt, so the next refresh rebuilds them all and scores
read the raw dossiers until it has

Revision ID: c5d2e8a1f0b7
Revises: b71e4d09c3a6
Create Date: 2026-12-01 01:50:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'c5d2e8a1f0b7'
down_revision = 'b71e4d09c3a6'
branch_labels = None
depends_on = None

COLUMNS = ['judged', 'withdrawn', 'late', 'home', 'fast', 'fast_same_day']


def upgrade():
    op.create_table(
        'rollup_dossier_settlements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('settled_day', sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COLUMNS),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rollup_dossier_settlements')),
    )
    with op.batch_alter_table('rollup_dossier_settlements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rollup_dossier_settlements_day'), ['day'], unique=False)
        batch_op.create_index('ix_rollup_dossier_settlements_unit_day', ['unit_id', 'day', 'settled_day', *COLUMNS],
                              unique=False)
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.create_index('ix_dossiers_settled_at', ['settled_at'], unique=False)
        batch_op.create_index('ix_dossiers_late', ['unit_id', 'received_day'], unique=False,
                              postgresql_where=sa.text('settled_at > due_at'),
                              sqlite_where=sa.text('settled_at > due_at'))
    # the monthly response counts gain the centre: re-derived at once from the daily counts (as the refresh does)
    with op.batch_alter_table('rollup_response_months', schema=None) as batch_op:
        batch_op.add_column(sa.Column('centre_id', sa.Integer(), nullable=False, server_default='0'))
    months = sa.table('rollup_response_months', *(sa.column(n) for n in (
        'year', 'month', 'unit_id', 'centre_id', 'questionnaire_id', 'responses', 'suspicious', 'unconfirmed')))
    days = sa.table('rollup_response_counts', *(sa.column(n) for n in (
        'day', 'unit_id', 'centre_id', 'questionnaire_id', 'responses', 'suspicious', 'unconfirmed')))
    year, month = sa.extract('year', days.c.day), sa.extract('month', days.c.day)
    keys = [days.c.unit_id, days.c.centre_id, days.c.questionnaire_id]
    op.execute(months.delete())
    op.execute(months.insert().from_select(
        ['year', 'month', 'unit_id', 'centre_id', 'questionnaire_id', 'responses', 'suspicious', 'unconfirmed'],
        sa.select(sa.cast(year, sa.Integer), sa.cast(month, sa.Integer), *keys, sa.func.sum(days.c.responses),
                  sa.func.sum(days.c.suspicious), sa.func.sum(days.c.unconfirmed))
        .group_by(year, month, *keys)))
    with op.batch_alter_table('rollup_response_months', schema=None) as batch_op:
        batch_op.alter_column('centre_id', server_default=None)
    # the new rollup is empty: the next refresh rebuilds every rollup (scores read the raw rows until then)
    op.execute("UPDATE rollup_state SET refreshed_through = NULL")


def downgrade():
    with op.batch_alter_table('rollup_response_months', schema=None) as batch_op:
        batch_op.drop_column('centre_id')
    op.execute("UPDATE rollup_state SET refreshed_through = NULL")  # the months summed over centres again
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index('ix_dossiers_late')
        batch_op.drop_index('ix_dossiers_settled_at')
    with op.batch_alter_table('rollup_dossier_settlements', schema=None) as batch_op:
        batch_op.drop_index('ix_rollup_dossier_settlements_unit_day')
        batch_op.drop_index(batch_op.f('ix_rollup_dossier_settlements_day'))
    op.drop_table('rollup_dossier_settlements')
