"""Indexes the diary and corrections read by student; one report to parents of a class sent at a time

Revision ID: 3e1f0a7c2b08
Revises: 9c8eafd80006
Create Date: 2026-12-02 09:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3e1f0a7c2b08'
down_revision = '9c8eafd80006'
branch_labels = None
depends_on = None

SENDING = sa.text("state IN ('pending', 'running')")


def upgrade():
    op.create_index('ix_subgroup_student_student', 'subgroup_student', ['student_id'])
    op.create_index('ix_correction_student_id', 'correction', ['student_id'])
    # A report left pending or running by a dead process would block the new index: close it first.
    op.execute("UPDATE parent_report SET state = 'failed', error = 'Отправка прервалась: отправьте отчёт ещё раз.' "
               "WHERE state IN ('pending', 'running')")
    op.create_index('uq_parent_report_sending', 'parent_report', ['classgroup_id'], unique=True,
                    sqlite_where=SENDING, postgresql_where=SENDING)


def downgrade():
    op.drop_index('uq_parent_report_sending', table_name='parent_report')
    op.drop_index('ix_correction_student_id', table_name='correction')
    op.drop_index('ix_subgroup_student_student', table_name='subgroup_student')
