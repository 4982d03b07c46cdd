"""competitive actions, approvals, drafts, heartbeat checks

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

S, TS = sa.String(), sa.DateTime(timezone=True)


def _org() -> tuple[sa.Column, sa.ForeignKeyConstraint]:
    return sa.Column('org_id', S, nullable=False), sa.ForeignKeyConstraint(['org_id'], ['organizations.id'])


def upgrade() -> None:
    org, fk = _org()
    op.create_table('competitive_actions',
                    sa.Column('id', S, primary_key=True), org, fk,
                    sa.Column('type', S, nullable=False), sa.Column('priority', S, nullable=False),
                    sa.Column('recommendation', S, nullable=False), sa.Column('data', sa.JSON(), nullable=False),
                    sa.Column('status', S, nullable=False), sa.Column('source_execution_id', S, nullable=True),
                    sa.Column('claimed_by', S, nullable=True),
                    sa.Column('created_at', TS, nullable=False), sa.Column('updated_at', TS, nullable=False))
    op.create_index('ix_competitive_actions_org_id', 'competitive_actions', ['org_id'])
    op.create_index('ix_competitive_actions_created_at', 'competitive_actions', ['created_at'])
    op.create_index('ix_competitive_actions_queue', 'competitive_actions', ['org_id', 'type', 'status'])
    org, fk = _org()
    op.create_table('approvals',
                    sa.Column('id', S, primary_key=True), org, fk,
                    sa.Column('execution_id', S, nullable=False), sa.Column('step_index', sa.Integer(), nullable=False),
                    sa.Column('kind', S, nullable=False), sa.Column('prompt', S, nullable=False),
                    sa.Column('data', sa.JSON(), nullable=False), sa.Column('status', S, nullable=False),
                    sa.Column('on_timeout', S, nullable=False), sa.Column('expires_at', TS, nullable=False),
                    sa.Column('decided_at', TS, nullable=True), sa.Column('decided_by', S, nullable=True),
                    sa.Column('note', S, nullable=True), sa.Column('created_at', TS, nullable=False))
    for column in ('org_id', 'execution_id', 'status', 'expires_at'):
        op.create_index(f'ix_approvals_{column}', 'approvals', [column])
    org, fk = _org()
    op.create_table('drafts',
                    sa.Column('id', S, primary_key=True), org, fk,
                    sa.Column('kind', S, nullable=False), sa.Column('title', S, nullable=False),
                    sa.Column('body', S, nullable=False), sa.Column('data', sa.JSON(), nullable=False),
                    sa.Column('execution_id', S, nullable=True), sa.Column('created_at', TS, nullable=False))
    op.create_index('ix_drafts_org_id', 'drafts', ['org_id'])
    org, fk = _org()
    op.create_table('heartbeat_checks',
                    sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True), org, fk,
                    sa.Column('beat_id', S, nullable=False), sa.Column('name', S, nullable=False),
                    sa.Column('status', S, nullable=False), sa.Column('message', S, nullable=False),
                    sa.Column('priority', S, nullable=True), sa.Column('data', sa.JSON(), nullable=False),
                    sa.Column('checked_at', TS, nullable=False))
    op.create_index('ix_heartbeat_checks_org_id', 'heartbeat_checks', ['org_id'])
    op.create_index('ix_heartbeat_checks_checked_at', 'heartbeat_checks', ['checked_at'])


def downgrade() -> None:
    for table in ('heartbeat_checks', 'drafts', 'approvals', 'competitive_actions'):
        op.drop_table(table)
