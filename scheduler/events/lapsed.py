"""customer.lapsed: once a day, each customer whose last visit is now N days back emits it, once per lapse."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from scheduler.domain.clock import SYSTEM_CLOCK, Clock
from scheduler.events.bus import Emitted, EventBus
from scheduler.events.log import Event
from scheduler.store.tables import Customer

CU = Customer.__table__  # type: ignore[attr-defined]
DAILY = timedelta(days=1)
# Lapses older than this when a check runs are left alone: a service down for a week still catches
# up, but a first start never announces every customer who stopped coming years ago.
LOOK_BACK = timedelta(days=7)


class LapsedCustomers:
    """The daily check; the event id is the customer and their last visit, so a repeat (or a restart) emits nothing new."""

    def __init__(self, bus: EventBus, days: int, clock: Clock = SYSTEM_CLOCK) -> None:
        self.bus, self.days, self.clock = bus, days, clock
        self.last_check: datetime | None = None

    def check_due(self) -> list[Emitted]:
        """Check if a day has passed since this process last did (the first tick after a start checks)."""
        now = self.clock.now()
        if self.last_check is not None and now - self.last_check < DAILY:
            return []
        self.last_check = now
        return self.check()

    def check(self) -> list[Emitted]:
        """Emit customer.lapsed for every customer of every organisation who lapsed within the look-back."""
        now = self.clock.now()
        cutoff = now - timedelta(days=self.days)
        with self.bus.runs.batch() as batch:
            rows = batch.conn.execute(select(CU.c.id, CU.c.org_id, CU.c.name, CU.c.email, CU.c.phone, CU.c.last_seen_at)
                                      .where(CU.c.last_seen_at <= cutoff, CU.c.last_seen_at > cutoff - LOOK_BACK)
                                      .order_by(CU.c.last_seen_at)).all()
            emitted = []
            for row in rows:
                data = {"customer": {"id": row.id, "name": row.name, "email": row.email, "phone": row.phone},
                        "days_since_last_order": (now - row.last_seen_at).days,
                        "last_seen_at": row.last_seen_at.isoformat()}
                event_id = f"customer.lapsed:{row.id}:{row.last_seen_at.isoformat()}"
                emitted.append(self.bus.emit_in(batch, Event.new(row.org_id, "customer.lapsed", data, event_id, source="lapsed")))
        return emitted
