"""Notifications: in-app notices and the email jobs that carry them (sent off the request path)

Revision ID: 500f21d222c2
Revises: 1b53cdcd6e7a
Create Date: 2026-11-22 07:08:47.448660

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '500f21d222c2'
down_revision = '1b53cdcd6e7a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['recipient_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index('ix_notice_recipient', ['recipient_id', 'id'], unique=False)
        batch_op.create_index('ix_notice_unread', ['recipient_id', 'read_at'], unique=False)

    op.create_table('email_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=1000), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'sent', 'failed')", name='ck_email_job_state'),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('email_job', schema=None) as batch_op:
        batch_op.create_index('ix_email_job_due', ['state', 'next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('email_job', schema=None) as batch_op:
        batch_op.drop_index('ix_email_job_due')

    op.drop_table('email_job')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_unread')
        batch_op.drop_index('ix_notice_recipient')

    op.drop_table('notice')