"""survey responses: the kiosk index carries the time of the tap (kiosk, answered_at), so a batch's burst rule
reads the tablet's taps of the minutes around it from the index; on SQLite the (kiosk) index alone lost to a scan
of every response of those minutes (questionnaire, answered_at) once the statistics had been taken before any
kiosk rating was stored

Revision ID: f3a8c1d6e4b2
Revises: e2b9d4c7a6f1
Create Date: 2026-12-05 16:40:00

"""
from alembic import op


revision = 'f3a8c1d6e4b2'
down_revision = 'e2b9d4c7a6f1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index('ix_survey_responses_kiosk_answered', ['kiosk_id', 'answered_at'], unique=False)
        batch_op.drop_index('ix_survey_responses_kiosk_id')


def downgrade():
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index('ix_survey_responses_kiosk_id', ['kiosk_id'], unique=False)
        batch_op.drop_index('ix_survey_responses_kiosk_answered')
