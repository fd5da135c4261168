"""survey responses: changed_at, so a later screen of a form marks its day for the refresh while received_at
stays the moment the response was first stored (what a score as of a date may know)

Revision ID: d2a7c5e1f9b3
Revises: 5c7e2a91d4b8
Create Date: 2026-11-30 15:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd2a7c5e1f9b3'
down_revision = '5c7e2a91d4b8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_survey_responses_changed_at', ['changed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_responses_changed_at')
        batch_op.drop_column('changed_at')
