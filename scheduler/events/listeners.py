"""The listeners table: one row per event trigger of a live playbook, derived with every change of the playbook.

As with schedule rows (scheduler/triggers/rows.py), the rows are written in the transaction that
creates, changes, pauses, archives or deletes the playbook, so no listener outlives its playbook's
state: a paused or deleted playbook listens to nothing.
"""
from __future__ import annotations

from sqlalchemy import Row, bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from scheduler.domain.spec import EventTrigger
from scheduler.store.event_tables import EventListener
from scheduler.store.tables import Playbook

LISTENERS = EventListener.__table__  # type: ignore[attr-defined]
PLAYBOOKS = Playbook.__table__  # type: ignore[attr-defined]

# Who listens to one event of one organisation, with what the run policy needs of each playbook: one
# indexed query (org, event name) joined to the playbooks, built once.
_LISTENING = (
    select(LISTENERS.c.filter, PLAYBOOKS.c.id, PLAYBOOKS.c.org_id, PLAYBOOKS.c.status, PLAYBOOKS.c.deleted_at,
           PLAYBOOKS.c.version, PLAYBOOKS.c.created_by)
    .join(PLAYBOOKS, PLAYBOOKS.c.id == LISTENERS.c.playbook_id)
    .where(LISTENERS.c.org_id == bindparam("org_id"), LISTENERS.c.event_name == bindparam("name"),
           PLAYBOOKS.c.org_id == bindparam("org_id"))
    .order_by(LISTENERS.c.id)
)


def derive_listeners(session: Session, playbook: Playbook) -> None:
    """Make the playbook's listener rows match its event triggers (none unless it is live), in the caller's transaction."""
    session.flush()
    conn = session.connection()
    have = {r.trigger_index: r for r in conn.execute(select(LISTENERS).where(LISTENERS.c.playbook_id == playbook.id))}
    wanted = {}
    if playbook.is_live:
        wanted = {i: t for i, t in enumerate(playbook.trigger_specs) if isinstance(t, EventTrigger)}
    stale = [row.id for index, row in have.items() if index not in wanted]
    for index, trigger in wanted.items():
        values = {"event_name": trigger.event, "filter": trigger.filter, "playbook_version": playbook.version}
        row = have.get(index)
        if row is None:
            conn.execute(insert(LISTENERS).values(org_id=playbook.org_id, playbook_id=playbook.id, trigger_index=index,
                                                  **values))
        elif (row.event_name, row.filter, row.playbook_version) != tuple(values.values()):
            conn.execute(update(LISTENERS).where(LISTENERS.c.id == row.id).values(**values))
    if stale:
        conn.execute(delete(LISTENERS).where(LISTENERS.c.id.in_(stale)))


def listening(conn: Connection, org_id: str, name: str) -> list[Row]:
    """The organisation's listeners of this event, each with its filter and its playbook's run columns."""
    return list(conn.execute(_LISTENING, {"org_id": org_id, "name": name}))
