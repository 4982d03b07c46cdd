"""schedules: one row per schedule trigger of a live playbook, indexed on its next fire instant

Revision ID: 0002
Revises: 0001
"""
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('playbook_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('trigger_index', sa.Integer(), nullable=False),
    sa.Column('cron', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('next_fire_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('catch_up', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('overlap', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('playbook_version', sa.Integer(), nullable=False),
    sa.Column('last_slot_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], ),
    sa.ForeignKeyConstraint(['playbook_id'], ['playbooks.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('playbook_id', 'trigger_index', name='uq_schedule_trigger')
    )
    with op.batch_alter_table('schedules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schedules_next_fire_at'), ['next_fire_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_schedules_playbook_id'), ['playbook_id'], unique=False)
    _fill()


def _fill() -> None:
    """A row for each schedule trigger of every active playbook, due at its first slot after now.

    Slots that passed before this upgrade are not owed (as when a playbook is made active).
    """
    from scheduler.timing.cron import CronError, next_fire_times

    conn = op.get_bind()
    playbooks = sa.table('playbooks', sa.column('id'), sa.column('org_id'), sa.column('status'),
                         sa.column('triggers', sa.JSON), sa.column('version'), sa.column('deleted_at'))
    schedules = sa.table('schedules', sa.column('org_id'), sa.column('playbook_id'), sa.column('trigger_index'),
                         sa.column('cron'), sa.column('timezone'), sa.column('next_fire_at', sa.DateTime(timezone=True)),
                         sa.column('catch_up'), sa.column('overlap'), sa.column('playbook_version'))
    now = datetime.now(UTC)
    live = conn.execute(sa.select(playbooks.c.id, playbooks.c.org_id, playbooks.c.triggers, playbooks.c.version)
                        .where(playbooks.c.status == 'active', playbooks.c.deleted_at.is_(None)))
    rows = []
    for playbook_id, org_id, triggers, version in live:
        for index, trigger in enumerate(triggers or []):
            if trigger.get('type') != 'schedule':
                continue
            zone = trigger.get('timezone')
            try:
                first = next_fire_times(trigger['cron'], zone, now, 1)
            except (CronError, KeyError, TypeError):
                continue  # a row the service would refuse; it gets a schedule when it is saved again
            if first:
                rows.append({'org_id': org_id, 'playbook_id': playbook_id, 'trigger_index': index,
                             'cron': trigger['cron'], 'timezone': zone,
                             'next_fire_at': first[0].astimezone(UTC), 'catch_up': 'latest', 'overlap': 'skip',
                             'playbook_version': version})
    if rows:
        op.bulk_insert(schedules, rows)


def downgrade() -> None:
    with op.batch_alter_table('schedules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schedules_playbook_id'))
        batch_op.drop_index(batch_op.f('ix_schedules_next_fire_at'))
    op.drop_table('schedules')
