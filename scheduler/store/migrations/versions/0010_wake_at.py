"""durable waits: a waiting run's wake-up instant

Revision ID: 0010
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wake_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_executions_wake_at'), ['wake_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_executions_wake_at'))
        batch_op.drop_column('wake_at')
