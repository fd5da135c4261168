"""the worker's schedule (scheduled runs), delivery state of the outbox, staff alerts, staff e-mail

Revision ID: c16a5e7b0d41
Revises: c13a5e0f0b11
Create Date: 2026-11-30 13:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c16a5e7b0d41'
down_revision = 'c13a5e0f0b11'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheduled_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=40), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('host', sa.String(length=120), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=8), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.CheckConstraint("outcome in ('running', 'ok', 'failed', 'skipped')", name=op.f('ck_scheduled_runs_outcome')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_runs')),
    sa.UniqueConstraint('job', 'slot', name=op.f('uq_scheduled_runs_job_slot'))
    )
    op.create_index('ix_scheduled_runs_job_started', 'scheduled_runs', ['job', 'started_at'], unique=False)
    op.create_table('staff_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['admin_units.id'], name=op.f('fk_staff_alerts_unit_id_admin_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_alerts_user_id_users')),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'],
                            name=op.f('fk_staff_alerts_acknowledged_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_alerts')),
    sa.UniqueConstraint('key', name=op.f('uq_staff_alerts_key'))
    )
    op.create_index('ix_staff_alerts_unit_ack', 'staff_alerts', ['unit_id', 'acknowledged_at'], unique=False)
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('case_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('subject', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('status', sa.String(length=8), nullable=False, server_default='pending'))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_notifications_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('ix_notifications_status_next', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notifications_unit_id_admin_units'), 'admin_units',
                                    ['unit_id'], ['id'])
        batch_op.create_check_constraint('status', "status in ('pending', 'sending', 'sent', 'failed')")
    # Messages already sent stay sent; the rest wait in the queue as before.
    op.execute("UPDATE notifications SET status = 'sent' WHERE sent_at IS NOT NULL")
    op.execute("UPDATE notifications SET unit_id = (SELECT unit_id FROM cases WHERE cases.id = notifications.case_id)")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint('ck_notifications_status', type_='check')
        batch_op.drop_constraint(batch_op.f('fk_notifications_unit_id_admin_units'), type_='foreignkey')
        batch_op.drop_index('ix_notifications_status_next')
        batch_op.drop_index(batch_op.f('ix_notifications_unit_id'))
        for column in ('failed_at', 'claimed_at', 'claimed_by', 'next_attempt_at', 'attempts', 'status', 'subject',
                       'unit_id'):
            batch_op.drop_column(column)
    op.drop_index('ix_staff_alerts_unit_ack', table_name='staff_alerts')
    op.drop_table('staff_alerts')
    op.drop_index('ix_scheduled_runs_job_started', table_name='scheduled_runs')
    op.drop_table('scheduled_runs')
