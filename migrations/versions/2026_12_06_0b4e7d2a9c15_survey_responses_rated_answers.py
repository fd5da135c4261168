"""survey responses: copies of the answers every rating breakdown reads (overall rating, age group, gender, first
visit), written with the response, so a rollup rebuild finds each response's overall rating without a pass over
every answer; existing responses are filled from their answers

Revision ID: 0b4e7d2a9c15
Revises: f3a8c1d6e4b2
Create Date: 2026-12-06 13:20:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0b4e7d2a9c15'
down_revision = 'f3a8c1d6e4b2'
branch_labels = None
depends_on = None

#: as survey_app.models.surveys.RATED_ANSWERS on the day of this migration (a migration does not follow the code)
RATED_ANSWERS = {"overall": "overall_rating", "group.age": "group_age", "group.gender": "group_gender",
                 "group.first_visit": "group_first_visit"}


def upgrade():
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        for column in RATED_ANSWERS.values():
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
    # one pass over the answers of those keys, each key's largest value (as rated_columns takes it); UPDATE … FROM
    # runs on PostgreSQL and on SQLite 3.33+
    picks = ", ".join(f"max(CASE WHEN question_key = '{key}' THEN value END) AS {column}"
                      for key, column in RATED_ANSWERS.items())
    keys = ", ".join(f"'{key}'" for key in RATED_ANSWERS)
    sets = ", ".join(f"{column} = a.{column}" for column in RATED_ANSWERS.values())
    op.execute(f"UPDATE survey_responses SET {sets} FROM (SELECT response_id, {picks} FROM survey_answers "
               f"WHERE question_key IN ({keys}) AND value IS NOT NULL GROUP BY response_id) AS a "
               "WHERE a.response_id = survey_responses.id")


def downgrade():
    # dropped in place (SQLite 3.35+ and PostgreSQL): a batch would copy the table on SQLite and drop the old one,
    # and with foreign keys on, dropping it deletes every answer (ON DELETE CASCADE)
    for column in reversed(RATED_ANSWERS.values()):
        op.execute(f"ALTER TABLE survey_responses DROP COLUMN {column}")
