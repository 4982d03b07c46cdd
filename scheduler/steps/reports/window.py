"""The period a report, a ranking or an export covers: a named period, or since the last scheduled run."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler.steps.base import StepContext
from scheduler.timing.periods import period_bounds, period_label


@dataclass(frozen=True)
class Window:
    """[start, end) of a period, the organisation's zone, and how to name the period in a summary."""

    period: str
    start: datetime
    end: datetime
    zone: ZoneInfo

    @property
    def label(self) -> str:
        """'yesterday', 'last week', 'since the last report'."""
        return "since the last report" if self.period == "since_last_run" else period_label(self.period)

    def local(self, value: datetime) -> datetime:
        """An instant in the organisation's zone."""
        return value.astimezone(self.zone)


async def report_window(ctx: StepContext, period: str) -> Window:
    """The window of `period` for this run, relative to its slot when scheduled (else now).

    `since_last_run` starts where the playbook's last completed *scheduled* run was due (a day back
    for the first): manual and event runs never move that mark, so a run by hand at 08:55 leaves
    the 9:00 report whole.
    """
    zone = ZoneInfo(await ctx.store.tenants.timezone(ctx.org_id) or "UTC")
    now = reference_time(ctx)
    if period == "since_last_run":
        last = await ctx.store.sales.last_report_end(ctx.execution_id)
        return Window(period, last or now - timedelta(days=1), now, zone)
    start, end = period_bounds(period, now, zone)
    return Window(period, start, end, zone)


def reference_time(ctx: StepContext) -> datetime:
    """The run's slot when it was scheduled, so a late or resumed run reports the same period; else now."""
    slot = (ctx.values.get("trigger") or {}).get("scheduledFor")
    return datetime.fromisoformat(slot) if slot else ctx.clock.now()
