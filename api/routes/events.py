"""Event routes: emit an event (its listening playbooks' runs start), and the organisation's event log."""
from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentPrincipal, PageDep, RuntimeDep
from api.event_schemas import EventIn, EventLog, EventOut, LoggedEvent
from scheduler.events.log import Event, recent

router = APIRouter(prefix="/api/events", tags=["events"])


@router.post("", status_code=202)
def emit_event(body: EventIn, runtime: RuntimeDep, who: CurrentPrincipal) -> EventOut:
    """Emit a catalog event: one run per listening playbook; a repeated id starts nothing new and answers the same runs."""
    return EventOut.of(runtime.events.emit(Event.new(who.org_id, body.name, body.data, body.id, source="api")))


@router.get("")
def event_log(runtime: RuntimeDep, who: CurrentPrincipal, page: PageDep, name: str | None = None) -> EventLog:
    """The latest events, newest first: what each was, where it came from, and why it started nothing if it did not."""
    with runtime.engine.connect() as conn:
        rows, next_cursor = recent(conn, who.org_id, name, page.limit, page.cursor)
    return EventLog(items=[LoggedEvent.model_validate({k: v for k, v in r.items() if k not in ("seq", "org_id")}) for r in rows],
                    next_cursor=next_cursor)
