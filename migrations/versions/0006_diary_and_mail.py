"""The diary and internal mail: messages with recipients (read receipts) and attachments, diary
visits, notification settings, the class teacher's reports to parents

Revision ID: f8471bd9a916
Revises: 500f21d222c2
Create Date: 2026-11-22 07:48:40.898964

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f8471bd9a916'
down_revision = '500f21d222c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('diary_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('first_opened_at', sa.DateTime(), nullable=False),
    sa.Column('last_opened_at', sa.DateTime(), nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id')
    )
    op.create_table('notification_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('new_message', sa.Boolean(), nullable=False),
    sa.Column('marks', sa.String(length=10), nullable=False),
    sa.Column('corrections', sa.Boolean(), nullable=False),
    sa.Column('last_digest_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id')
    )
    op.create_table('message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('reply_to_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('classgroup_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['classgroup_id'], ['classgroup.id'], ),
    sa.ForeignKeyConstraint(['reply_to_id'], ['message.id'], name='fk_message_reply_to'),
    sa.ForeignKeyConstraint(['thread_id'], ['message.id'], name='fk_message_thread'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index('ix_message_author', ['author_id', 'id'], unique=False)
        batch_op.create_index('ix_message_thread', ['thread_id', 'id'], unique=False)

    op.create_table('parent_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('classgroup_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['classgroup_id'], ['classgroup.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('parent_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parent_report_classgroup_id'), ['classgroup_id'], unique=False)

    op.create_table('message_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('message_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_attachment_message_id'), ['message_id'], unique=False)

    op.create_table('message_recipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.ForeignKeyConstraint(['recipient_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('message_recipient', schema=None) as batch_op:
        batch_op.create_index('ix_message_recipient_inbox', ['recipient_id', 'message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_recipient_message_id'), ['message_id'], unique=False)
        batch_op.create_index('ix_message_recipient_unread', ['recipient_id', 'read_at'], unique=False)


def downgrade():
    with op.batch_alter_table('message_recipient', schema=None) as batch_op:
        batch_op.drop_index('ix_message_recipient_unread')
        batch_op.drop_index(batch_op.f('ix_message_recipient_message_id'))
        batch_op.drop_index('ix_message_recipient_inbox')

    op.drop_table('message_recipient')
    with op.batch_alter_table('message_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_attachment_message_id'))

    op.drop_table('message_attachment')
    with op.batch_alter_table('parent_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parent_report_classgroup_id'))

    op.drop_table('parent_report')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_thread')
        batch_op.drop_index('ix_message_author')

    op.drop_table('message')
    op.drop_table('notification_setting')
    op.drop_table('diary_visit')