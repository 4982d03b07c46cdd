"""schedule policies: a playbook's catch-up and overlap policy and pause-until; runs queued behind another

Revision ID: 0008
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('playbooks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('policy', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('resume_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_playbooks_resume_at'), ['resume_at'], unique=False)
    with op.batch_alter_table('schedules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grace_seconds', sa.Integer(), nullable=False, server_default='3600'))
        batch_op.add_column(sa.Column('catch_up_limit', sa.Integer(), nullable=False, server_default='10'))
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waits_for', sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.drop_column('waits_for')
    with op.batch_alter_table('schedules', schema=None) as batch_op:
        batch_op.drop_column('catch_up_limit')
        batch_op.drop_column('grace_seconds')
    with op.batch_alter_table('playbooks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_playbooks_resume_at'))
        batch_op.drop_column('resume_at')
        batch_op.drop_column('policy')
