"""As-of history (versions of staff entries and flags), commune plan parameters, dossier status and "other" channel

Revision ID: 5e1c0a9d4b21
Revises: 190211ef24d9
Create Date: 2026-11-30 14:00:00

A score as of a past day must use the staff entries and flags as they stood then, so every save is kept as a
version (existing rows become the first version, dated when they were last saved). A dossier export's unknown
"Hình thức" becomes the channel "other" instead of refusing the file, and its "Trạng thái" is kept. A commune
records its plan's own variants of a rule (e.g. the quarter of its annual survey) in ``commune_parameters``.
"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '5e1c0a9d4b21'
down_revision = '190211ef24d9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'score_entry_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('item_code', sa.String(length=16), nullable=False),
        sa.Column('points', sa.Float(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('entered_by_id', sa.Integer(), nullable=True),
        sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'],
                                name=op.f('fk_score_entry_versions_entered_by_id_users')),
        sa.ForeignKeyConstraint(['unit_id'], ['admin_units.id'],
                                name=op.f('fk_score_entry_versions_unit_id_admin_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_score_entry_versions')),
    )
    op.create_index('ix_score_entry_versions_lookup', 'score_entry_versions',
                    ['unit_id', 'year', 'item_code', 'entered_at'], unique=False)
    op.create_table(
        'score_flags_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('hotspot', sa.Boolean(), nullable=False),
        sa.Column('disciplined', sa.Boolean(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('set_by_id', sa.Integer(), nullable=True),
        sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_score_flags_versions_set_by_id_users')),
        sa.ForeignKeyConstraint(['unit_id'], ['admin_units.id'],
                                name=op.f('fk_score_flags_versions_unit_id_admin_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_score_flags_versions')),
    )
    op.create_index('ix_score_flags_versions_lookup', 'score_flags_versions', ['unit_id', 'year', 'set_at'],
                    unique=False)
    op.create_table(
        'commune_parameters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('table_id', sa.String(length=32), nullable=False),
        sa.Column('item_code', sa.String(length=16), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['unit_id'], ['admin_units.id'], name=op.f('fk_commune_parameters_unit_id_admin_units')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_commune_parameters_updated_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_commune_parameters')),
        sa.UniqueConstraint('unit_id', 'table_id', 'item_code', name=op.f('uq_commune_parameters_unit_id_table_id_item_code')),
    )
    op.execute("INSERT INTO score_entry_versions (unit_id, year, item_code, points, note, entered_by_id, entered_at) "
               "SELECT unit_id, year, item_code, points, note, entered_by_id, entered_at FROM score_entries "
               "WHERE entered_at IS NOT NULL")
    with op.batch_alter_table('dossier_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warnings', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('warning_count', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_dossiers_channel'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_dossiers_channel'),
                                         "channel in ('online', 'direct', 'postal', 'home', 'other')")
        batch_op.create_check_constraint(batch_op.f('ck_dossiers_status'),
                                         "status is null or status in ('open', 'settled', 'withdrawn', 'other')")


def downgrade():
    op.execute("UPDATE dossiers SET channel = 'direct' WHERE channel = 'other'")
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_dossiers_status'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_dossiers_channel'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_dossiers_channel'),
                                         "channel in ('online', 'direct', 'postal', 'home')")
        batch_op.drop_column('status')
    with op.batch_alter_table('dossier_imports', schema=None) as batch_op:
        batch_op.drop_column('warning_count')
        batch_op.drop_column('warnings')
    op.drop_table('commune_parameters')
    op.drop_index('ix_score_flags_versions_lookup', table_name='score_flags_versions')
    op.drop_table('score_flags_versions')
    op.drop_index('ix_score_entry_versions_lookup', table_name='score_entry_versions')
    op.drop_table('score_entry_versions')
