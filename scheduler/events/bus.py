"""The event bus: an event is logged and fanned out to its listeners' runs in one transaction.

A domain write (an inventory change, an order) emits inside its own transaction (`emit_in` on the
run batch it opened), so the write, the event and the runs it starts commit together or not at all.
Events a run emits (a step's, a failure's) are logged `pending` with the run's checkpoint; the relay
(`deliver`, `deliver_pending`) fans them out right after that commit, and the recovery sweep picks up
any a crash left behind. Either way a run is filed under the event's id in the ledger, once per
listening playbook, so no path can start it twice.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.engine import Engine

from scheduler.catalog import EVENT_NAMES, EVENTS
from scheduler.domain.chain import MAX_CHAIN_DEPTH, Link, refusal
from scheduler.domain.clock import SYSTEM_CLOCK, Clock
from scheduler.domain.keys import DedupeKey
from scheduler.domain.status import TriggeredBy
from scheduler.events.listeners import listening
from scheduler.events.log import DELIVERED, SUPPRESSED, Event, any_pending, claim_pending, record, runs_of
from scheduler.expressions import ExpressionError, evaluate_condition
from scheduler.runs.start import Firing, RunBatch, RunStarter
from scheduler.store.tables import Playbook

log = logging.getLogger(__name__)


class UnknownEvent(ValueError):
    """An event name the catalog does not know; the message lists the known ones."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown event {name!r}; known events: {', '.join(EVENT_NAMES)}")
        self.known = list(EVENT_NAMES)


def check_name(name: str) -> None:
    """Raise UnknownEvent unless the catalog declares this event."""
    if name not in EVENT_NAMES:
        raise UnknownEvent(name)


@dataclass(frozen=True)
class Emitted:
    """What emitting one event did: the runs it started (or, repeated, had started), and why not, if not."""

    event_id: str
    name: str
    execution_ids: list[str]
    created: bool = True  # False: the id was in the log already, so nothing new started
    suppressed: str | None = None
    filtered: list[str] = field(default_factory=list)  # playbooks whose trigger filter said no


class EventBus:
    """Emits events: log, listeners, filters, and one run per listening playbook through start_runs."""

    def __init__(self, engine: Engine, runs: RunStarter, clock: Clock = SYSTEM_CLOCK, max_depth: int = MAX_CHAIN_DEPTH) -> None:
        self.engine, self.runs, self.clock, self.max_depth = engine, runs, clock, max_depth

    def emit(self, event: Event) -> Emitted:
        """Log and fan out one event in its own transaction; its runs are dispatched after the commit."""
        check_name(event.name)
        with self.runs.batch() as batch:
            return self.emit_in(batch, event)

    def emit_in(self, batch: RunBatch, event: Event) -> Emitted:
        """Log and fan out one event inside the caller's transaction (the write that caused it)."""
        check_name(event.name)
        conn, now = batch.conn, self.clock.now()
        reason = refusal(event.name, event.link, self.max_depth) if event.link.depth else None
        if reason is not None:
            made = record(conn, event, SUPPRESSED, now, reason)
            return Emitted(event.event_id, event.name, [], made, suppressed=reason)
        if not record(conn, event, DELIVERED, now):
            return Emitted(event.event_id, event.name, runs_of(conn, event.org_id, event.event_id), created=False)
        return self._fan_out(batch, event)

    def deliver(self, org_id: str, event_ids: Iterable[str]) -> list[Emitted]:
        """Fan out these pending events of one organisation (a run's commit just logged them)."""
        event_ids = list(event_ids)
        if not event_ids:
            return []
        with self.runs.batch() as batch:
            return [self._fan_out(batch, e) for e in claim_pending(batch.conn, self.clock.now(), (org_id, event_ids))]

    def deliver_pending(self, limit: int = 500) -> list[Emitted]:
        """Fan out the oldest pending events (the sweep: what a crash between a commit and its relay left)."""
        with self.engine.connect() as conn:
            if not any_pending(conn):
                return []
        with self.runs.batch() as batch:
            return [self._fan_out(batch, e) for e in claim_pending(batch.conn, self.clock.now(), limit=limit)]

    @classmethod
    def by_hand(cls, playbook: Playbook, firing: Firing) -> Firing:
        """A plain "run now" of a playbook that has event triggers runs as a test of its first event (example data)."""
        if firing.event is not None or firing.slot is not None or firing.triggered_by == TriggeredBy.schedule:
            return firing
        if not playbook.event_triggers:
            return firing
        test = cls.hand_firing(playbook, None, None, firing.user_id)
        return replace(firing, event=test.event, cause=test.cause)

    @staticmethod
    def hand_firing(playbook: Playbook, payload: dict[str, Any] | None, idempotency_key: str | None,
                    user_id: str | None) -> Firing:
        """Run an event playbook by hand (a test): `payload` is `{"name"?, "data"?, "id"?}` or the event's data itself.

        The event defaults to the playbook's first event trigger, its data to the catalog's example,
        so "run it now" works with no event at hand; the run is guarded like a real event's.
        """
        payload = dict(payload or {})
        framed = bool(payload) and set(payload) <= {"name", "data", "id"} and ("data" in payload or "name" in payload)
        triggers = playbook.event_triggers
        name = payload.get("name") if framed else None
        name = name or (triggers[0].event if triggers else None)
        if name is not None:
            check_name(str(name))
        data = payload.get("data") if framed else payload
        if not data:
            data = dict(EVENTS[name].example) if name else {}
        event_id = str(payload["id"]) if framed and payload.get("id") else None
        key = (DedupeKey.idempotency(idempotency_key) if idempotency_key
               else DedupeKey.event(event_id) if event_id else DedupeKey.manual())
        cause = Link().as_trigger(name, event_id or key.value) if name else None
        return Firing(TriggeredBy.event, key=key, user_id=user_id, event=dict(data), cause=cause)

    def _fan_out(self, batch: RunBatch, event: Event) -> Emitted:
        cause = event.link.as_trigger(event.name, event.event_id)
        firings, filtered = [], []
        for row in listening(batch.conn, event.org_id, event.name):
            if row.filter and not self._passes(row.filter, event):
                filtered.append(row.id)
                continue
            firings.append((row, Firing.of_event(event.event_id, event.data, cause)))
        ids: list[str] = []
        for started in batch.start(firings):
            if started.execution_id is not None and started.execution_id not in ids:
                ids.append(started.execution_id)
        return Emitted(event.event_id, event.name, ids, filtered=filtered)

    @staticmethod
    def _passes(condition: str, event: Event) -> bool:
        context: dict[str, Any] = {"event": event.data, "org": {"id": event.org_id}}
        try:
            return bool(evaluate_condition(condition, context).result)
        except ExpressionError as exc:
            # A filter naming a field this event does not carry: it does not match (and says why in the log).
            log.info("event %s %s: filter %r does not apply: %s", event.name, event.event_id, condition, exc)
            return False
