"""Printouts and their sign-off: printouts with their sheets and steps, the archive register,
batch print jobs

Revision ID: 9c8eafd80006
Revises: f8471bd9a916
Create Date: 2026-11-22 07:56:18.348702

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c8eafd80006'
down_revision = 'f8471bd9a916'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('print_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=True),
    sa.Column('school_year_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['period_id'], ['period.id'], ),
    sa.ForeignKeyConstraint(['requested_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['school_year_id'], ['school_year.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('printout',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('classgroup_id', sa.Integer(), nullable=False),
    sa.Column('school_year_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('stale', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('sheet_count', sa.Integer(), nullable=False),
    sa.Column('generated_by_id', sa.Integer(), nullable=True),
    sa.Column('generated_at', sa.DateTime(), nullable=False),
    sa.Column('register_number', sa.String(length=30), nullable=True),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('frozen_pdf', sa.LargeBinary(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('retracted_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('journal', 'final_marks')", name='ck_printout_kind'),
    sa.ForeignKeyConstraint(['classgroup_id'], ['classgroup.id'], ),
    sa.ForeignKeyConstraint(['generated_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['period_id'], ['period.id'], ),
    sa.ForeignKeyConstraint(['school_year_id'], ['school_year.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('register_number')
    )
    with op.batch_alter_table('printout', schema=None) as batch_op:
        batch_op.create_index('ix_printout_class', ['classgroup_id', 'period_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_printout_school_year_id'), ['school_year_id'], unique=False)

    op.create_table('archive_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('printout_id', sa.Integer(), nullable=False),
    sa.Column('register_number', sa.String(length=30), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('school_year_id', sa.Integer(), nullable=False),
    sa.Column('classgroup_id', sa.Integer(), nullable=False),
    sa.Column('sheet_count', sa.Integer(), nullable=False),
    sa.Column('archived_on', sa.Date(), nullable=False),
    sa.Column('keep_until', sa.Date(), nullable=False),
    sa.Column('disposed_on', sa.Date(), nullable=True),
    sa.Column('disposal_act', sa.String(length=100), nullable=True),
    sa.Column('disposal_order', sa.String(length=100), nullable=True),
    sa.Column('disposed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['classgroup_id'], ['classgroup.id'], ),
    sa.ForeignKeyConstraint(['disposed_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['printout_id'], ['printout.id'], ),
    sa.ForeignKeyConstraint(['school_year_id'], ['school_year.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('printout_id')
    )
    with op.batch_alter_table('archive_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_archive_record_classgroup_id'), ['classgroup_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_archive_record_school_year_id'), ['school_year_id'], unique=False)

    op.create_table('printout_sheet',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('printout_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('first_page', sa.Integer(), nullable=False),
    sa.Column('last_page', sa.Integer(), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('signed_fingerprint', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['printout_id'], ['printout.id'], ),
    sa.ForeignKeyConstraint(['signed_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['teacher_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('printout_id', 'key', name='uq_printout_sheet_key')
    )
    with op.batch_alter_table('printout_sheet', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_printout_sheet_printout_id'), ['printout_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_printout_sheet_teacher_id'), ['teacher_id'], unique=False)

    op.create_table('printout_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('printout_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=24), nullable=False),
    sa.Column('sheet_key', sa.String(length=60), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('refused', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['printout_id'], ['printout.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('printout_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_printout_step_printout_id'), ['printout_id'], unique=False)


def downgrade():
    with op.batch_alter_table('printout_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_printout_step_printout_id'))

    op.drop_table('printout_step')
    with op.batch_alter_table('printout_sheet', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_printout_sheet_teacher_id'))
        batch_op.drop_index(batch_op.f('ix_printout_sheet_printout_id'))

    op.drop_table('printout_sheet')
    with op.batch_alter_table('archive_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_archive_record_school_year_id'))
        batch_op.drop_index(batch_op.f('ix_archive_record_classgroup_id'))

    op.drop_table('archive_record')
    with op.batch_alter_table('printout', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_printout_school_year_id'))
        batch_op.drop_index('ix_printout_class')

    op.drop_table('printout')
    op.drop_table('print_job')