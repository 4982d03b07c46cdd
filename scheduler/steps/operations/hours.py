"""busiest_hours (Pops): orders and revenue by hour of the day and by weekday, in the shop's zone (for staffing)."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.operations.forecast import WEEKDAYS, local_midnight
from scheduler.steps.reports.window import reference_time


class BusiestHoursParams(StepParams):
    days: int = Field(28, ge=1, le=365)  # the full days before today


class HourLoad(BaseModel):
    hour: int  # 0-23, local
    orders: int
    revenue: float  # dollars
    orders_per_day: float


class WeekdayLoad(BaseModel):
    weekday: str  # Mon ... Sun
    orders: int
    revenue: float  # dollars
    orders_per_day: float  # per such weekday in the period


class BusiestHoursOutput(StepOutput):
    by_hour: list[HourLoad]  # the hours with orders, in order of the day
    by_weekday: list[WeekdayLoad]  # Monday first
    busiest_hour: int | None
    quietest_hour: int | None  # of the hours with orders
    busiest_weekday: str | None
    orders: int


class BusiestHours(Step):
    """When the shop is busy: orders and revenue per local hour and per weekday over the last days."""

    name = "busiest_hours"
    Params = BusiestHoursParams
    Output = BusiestHoursOutput
    example: ClassVar[dict[str, Any]] = {"days": 28}

    async def run(self, params: BusiestHoursParams, ctx: StepContext) -> BusiestHoursOutput:
        zone = ZoneInfo(await ctx.store.tenants.timezone(ctx.org_id) or "UTC")
        today = reference_time(ctx).astimezone(zone).date()
        first = today - timedelta(days=params.days)
        orders = await ctx.store.orders.orders(ctx.org_id, local_midnight(first, zone), local_midnight(today, zone))
        hours: dict[int, list[float]] = defaultdict(lambda: [0, 0.0])
        weekdays: dict[int, list[float]] = defaultdict(lambda: [0, 0.0])
        for o in orders:
            local = o.placed_at.astimezone(zone)
            for bucket in (hours[local.hour], weekdays[local.weekday()]):
                bucket[0] += 1
                bucket[1] += o.total
        seen = Counter((first + timedelta(days=i)).weekday() for i in range(params.days))
        by_hour = [HourLoad(hour=h, orders=int(n), revenue=round(r, 2), orders_per_day=round(n / params.days, 2))
                   for h, (n, r) in sorted(hours.items())]
        by_weekday = [WeekdayLoad(weekday=WEEKDAYS[w], orders=int(weekdays[w][0]), revenue=round(weekdays[w][1], 2),
                                  orders_per_day=round(weekdays[w][0] / seen[w], 2) if seen[w] else 0.0) for w in range(7)]
        busy = max(by_hour, key=lambda h: (h.orders, -h.hour), default=None)
        quiet = min(by_hour, key=lambda h: (h.orders, h.hour), default=None)
        day = max(by_weekday, key=lambda w: w.orders_per_day) if orders else None
        if busy is None or quiet is None or day is None:
            summary = f"Busiest hours: no orders in the last {params.days} days."
        else:
            summary = (f"Busiest hours over {params.days} days ({len(orders)} orders): {busy.hour:02d}:00 is the busiest "
                       f"hour ({busy.orders_per_day:g} orders a day), {quiet.hour:02d}:00 the quietest with orders; "
                       f"{day.weekday} the busiest day ({day.orders_per_day:g} orders).")
        return BusiestHoursOutput(by_hour=by_hour, by_weekday=by_weekday, busiest_hour=busy.hour if busy else None,
                                  quietest_hour=quiet.hour if quiet else None, busiest_weekday=day.weekday if day else None,
                                  orders=len(orders), summary=summary)
