"""sales_forecast (Pops): next days' units per product from its recent rate, shaped by the store's weekday pattern."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.reports.window import reference_time

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class SalesForecastParams(StepParams):
    days: int = Field(7, ge=1, le=60)  # forecast the days from tomorrow on
    history_days: int = Field(56, ge=7, le=365)  # full days before today the rates and weekday pattern come from
    top: int = Field(20, ge=1, le=500)  # products listed, most units first


class ProductForecast(BaseModel):
    product: str
    sku: str | None
    category: str
    daily_rate: float  # units a day over the history
    forecast_units: float  # units expected over the forecast days
    on_hand: int
    short: bool  # the forecast is more than what is on hand


class SalesForecastOutput(StepOutput):
    forecasts: list[ProductForecast]
    total_units: float  # all products, over the forecast days
    short_count: int  # products whose forecast exceeds their stock (all products, not only those listed)
    weekday_factors: dict[str, float]  # a weekday's units against the average day (1.0 = average)
    start: str  # first forecast day (local date)
    end: str  # last forecast day (local date)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant a local day starts."""
    return datetime.combine(day, time(0), zone)


def weekday_factors(units_by_day: dict[date, int], first: date, days: int) -> dict[int, float]:
    """Each weekday's average units against the average day of [first, first + days); 1.0 each with no sales."""
    total = sum(units_by_day.values())
    if total == 0:
        return dict.fromkeys(range(7), 1.0)
    seen = Counter((first + timedelta(days=i)).weekday() for i in range(days))
    per_weekday: dict[int, int] = defaultdict(int)
    for day, units in units_by_day.items():
        per_weekday[day.weekday()] += units
    mean = total / days
    return {w: (per_weekday[w] / seen[w]) / mean if seen[w] else 1.0 for w in range(7)}


class SalesForecast(Step):
    """Units each product should sell over the next days: its rate over the history times the store's weekday pattern."""

    name = "sales_forecast"
    Params = SalesForecastParams
    Output = SalesForecastOutput
    example: ClassVar[dict[str, Any]] = {"days": 7}

    async def run(self, params: SalesForecastParams, ctx: StepContext) -> SalesForecastOutput:
        zone = ZoneInfo(await ctx.store.tenants.timezone(ctx.org_id) or "UTC")
        today = reference_time(ctx).astimezone(zone).date()
        first = today - timedelta(days=params.history_days)
        lines = await ctx.store.orders.lines(ctx.org_id, local_midnight(first, zone), local_midnight(today, zone))
        by_day: dict[date, int] = defaultdict(int)
        by_product: dict[str, int] = defaultdict(int)
        for line in lines:
            by_day[line.placed_at.astimezone(zone).date()] += line.quantity
            by_product[line.product_id] += line.quantity
        factors = weekday_factors(by_day, first, params.history_days)
        ahead = [today + timedelta(days=i) for i in range(1, params.days + 1)]
        shape = sum(factors[d.weekday()] for d in ahead)
        forecasts = []
        for p in await ctx.store.products.list(ctx.org_id):
            rate = by_product.get(p.id, 0) / params.history_days
            units = round(rate * shape, 1)
            forecasts.append(ProductForecast(product=p.name, sku=p.sku, category=p.category, daily_rate=round(rate, 2),
                                             forecast_units=units, on_hand=p.quantity, short=units > p.quantity))
        forecasts.sort(key=lambda f: (-f.forecast_units, f.product))
        total = round(sum(f.forecast_units for f in forecasts), 1)
        short = [f for f in forecasts if f.short]
        summary = [f"Forecast for {ahead[0]:%a %b} {ahead[0].day} to {ahead[-1]:%a %b} {ahead[-1].day} ({params.days} days, from the last "
                   f"{params.history_days} days): {total:g} units."]
        summary += [f"  - {f.product}: {f.forecast_units:g} units ({f.on_hand} on hand{', short' if f.short else ''})"
                    for f in forecasts[:10]]
        if short:
            summary.append(f"{len(short)} product(s) may sell out: {', '.join(f.product for f in short[:8])}.")
        return SalesForecastOutput(
            forecasts=forecasts[:params.top], total_units=total, short_count=len(short),
            weekday_factors={WEEKDAYS[w]: round(f, 2) for w, f in factors.items()},
            start=ahead[0].isoformat(), end=ahead[-1].isoformat(), summary="\n".join(summary))
