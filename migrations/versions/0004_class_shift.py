"""The shift a class learns in (its lesson times come from that shift's bells)

Revision ID: 1b53cdcd6e7a
Revises: 6b230a523e4d
Create Date: 2026-11-22 06:59:52.684562

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1b53cdcd6e7a'
down_revision = '6b230a523e4d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('classgroup', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shift', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('classgroup', schema=None) as batch_op:
        batch_op.drop_column('shift')
