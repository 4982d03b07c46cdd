"""step crashes: how many times a process died while this step ran alone, and whether it runs alone now

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('step_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('crashes', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('alone', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('step_runs', schema=None) as batch_op:
        batch_op.drop_column('alone')
        batch_op.drop_column('crashes')
