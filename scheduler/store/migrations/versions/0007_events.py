"""events: the event log (outbox) and the event listeners of live playbooks

Revision ID: 0007
Revises: 0009 (written beside 0008 and 0009, applied after them)
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0007'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('events',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('org_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('cause_execution_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('chain', sa.JSON(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('org_id', 'event_id', name='uq_event_id')
    )
    # Only pending events are in it: an event fanned out in its own transaction writes no page of this index.
    op.create_index('ix_events_pending', 'events', ['seq'], unique=False,
                    sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
    op.create_table('event_listeners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('playbook_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('trigger_index', sa.Integer(), nullable=False),
    sa.Column('event_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('filter', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('playbook_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], ),
    sa.ForeignKeyConstraint(['playbook_id'], ['playbooks.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('playbook_id', 'trigger_index', name='uq_listener_trigger')
    )
    op.create_index('ix_event_listeners_lookup', 'event_listeners', ['org_id', 'event_name'], unique=False)
    op.create_index(op.f('ix_event_listeners_playbook_id'), 'event_listeners', ['playbook_id'], unique=False)

    # Event playbooks that were active before this revision start listening now (as saving them would have).
    bind = op.get_bind()
    playbooks = sa.table('playbooks', sa.column('id'), sa.column('org_id'), sa.column('status'), sa.column('triggers', sa.JSON),
                         sa.column('version'), sa.column('deleted_at'))
    rows = []
    for pb in bind.execute(sa.select(playbooks).where(playbooks.c.status == 'active', playbooks.c.deleted_at.is_(None))):
        for index, trigger in enumerate(pb.triggers or []):
            if trigger.get('type') == 'event' and trigger.get('event'):
                rows.append({'org_id': pb.org_id, 'playbook_id': pb.id, 'trigger_index': index,
                             'event_name': trigger['event'], 'filter': trigger.get('filter'), 'playbook_version': pb.version})
    if rows:
        listeners = sa.table('event_listeners', *(sa.column(c) for c in rows[0]))
        op.bulk_insert(listeners, rows)


def downgrade() -> None:
    op.drop_index(op.f('ix_event_listeners_playbook_id'), table_name='event_listeners')
    op.drop_index('ix_event_listeners_lookup', table_name='event_listeners')
    op.drop_table('event_listeners')
    op.drop_index('ix_events_pending', table_name='events')
    op.drop_table('events')
