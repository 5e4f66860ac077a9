"""Timetable and substitutions: bell schedule, school calendar, timetable slots, teacher
absences, substitutions; Lesson.cancelled and Lesson.slot_id

Revision ID: 6b230a523e4d
Revises: d2254e98fa8f
Create Date: 2026-11-22 06:23:17.588867

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6b230a523e4d'
down_revision = 'd2254e98fa8f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bell',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shift', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('ends_at', sa.Time(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name='ck_bell_times'),
    sa.CheckConstraint('number BETWEEN 0 AND 12', name='ck_bell_number'),
    sa.CheckConstraint('shift IN (1, 2)', name='ck_bell_shift'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('shift', 'number', name='uq_bell_number')
    )
    op.create_table('calendar_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('as_weekday', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.CheckConstraint('as_weekday IS NULL OR as_weekday BETWEEN 1 AND 6', name='ck_calendar_weekday'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('date')
    )
    op.create_table('teacher_absence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name='ck_teacher_absence_dates'),
    sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('teacher_absence', schema=None) as batch_op:
        batch_op.create_index('ix_teacher_absence_dates', ['starts_on', 'ends_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_teacher_absence_staff_id'), ['staff_id'], unique=False)

    op.create_table('timetable_slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('room', sa.String(length=20), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('number BETWEEN 0 AND 12', name='ck_slot_number'),
    sa.CheckConstraint('weekday BETWEEN 1 AND 6', name='ck_slot_weekday'),
    sa.ForeignKeyConstraint(['assignment_id'], ['teaching_assignment.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('timetable_slot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timetable_slot_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index('ix_timetable_slot_time', ['weekday', 'number'], unique=False)

    op.create_table('substitution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('substitute_id', sa.Integer(), nullable=True),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('merged_with_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], ),
    sa.ForeignKeyConstraint(['merged_with_id'], ['lesson.id'], ),
    sa.ForeignKeyConstraint(['subject_id'], ['subject.id'], ),
    sa.ForeignKeyConstraint(['substitute_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('substitution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_substitution_lesson_id'), ['lesson_id'], unique=False)
        batch_op.create_index('ix_substitution_substitute', ['substitute_id'], unique=False)
        # One open substitution per lesson: the last guard against two deputies at once.
        batch_op.create_index('uq_substitution_open', ['lesson_id'], unique=True, sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))

    # Two nullable columns: existing lessons are held as planned and were added by hand. Plain
    # ADD COLUMN on both databases, so SQLite keeps the lesson table (no batch copy of it).
    op.add_column('lesson', sa.Column('cancelled', sa.Boolean(), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE lesson ADD COLUMN slot_id INTEGER REFERENCES timetable_slot (id)')
    else:
        op.add_column('lesson', sa.Column('slot_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_lesson_slot', 'lesson', 'timetable_slot', ['slot_id'], ['id'])



def downgrade():
    with op.batch_alter_table('lesson', schema=None) as batch_op:
        if op.get_bind().dialect.name != 'sqlite':
            batch_op.drop_constraint('fk_lesson_slot', type_='foreignkey')
        batch_op.drop_column('slot_id')
        batch_op.drop_column('cancelled')

    with op.batch_alter_table('substitution', schema=None) as batch_op:
        batch_op.drop_index('uq_substitution_open', sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))
        batch_op.drop_index('ix_substitution_substitute')
        batch_op.drop_index(batch_op.f('ix_substitution_lesson_id'))

    op.drop_table('substitution')
    with op.batch_alter_table('timetable_slot', schema=None) as batch_op:
        batch_op.drop_index('ix_timetable_slot_time')
        batch_op.drop_index(batch_op.f('ix_timetable_slot_assignment_id'))

    op.drop_table('timetable_slot')
    with op.batch_alter_table('teacher_absence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teacher_absence_staff_id'))
        batch_op.drop_index('ix_teacher_absence_dates')

    op.drop_table('teacher_absence')
    op.drop_table('calendar_day')
    op.drop_table('bell')
