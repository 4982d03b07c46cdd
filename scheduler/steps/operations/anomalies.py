"""order_anomalies (Pops): orders whose total is far outside the usual range, by a robust z-score (median and MAD)."""
from __future__ import annotations

from datetime import timedelta
from statistics import median
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field, model_validator

from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.reports.window import reference_time

# MAD x 1.4826 estimates the standard deviation of normal data; 0.6745 = 1 / 1.4826 scales the z-score.
MAD_SCALE = 0.6745


class OrderAnomaliesParams(StepParams):
    days: int = Field(7, ge=1, le=365)  # orders of the last `days` days are checked ...
    baseline_days: int = Field(90, ge=7, le=730)  # ... against the usual range of the last `baseline_days` days
    threshold: float = Field(3.5, gt=0, le=20)  # |robust z| above this is an anomaly (3.5 is the usual cut)
    top: int = Field(20, ge=1, le=200)

    @model_validator(mode="after")
    def _baseline_covers(self) -> OrderAnomaliesParams:
        if self.baseline_days < self.days:
            raise ValueError("baseline_days must be at least days")
        return self


class Anomaly(BaseModel):
    order_id: str
    placed_at: str  # ISO instant (UTC)
    total: float
    z: float  # robust z-score
    direction: Literal["high", "low"]
    customer_id: str | None


class OrderAnomaliesOutput(StepOutput):
    anomalies: list[Anomaly]  # most extreme first
    anomaly_count: int
    orders_checked: int
    baseline_orders: int
    median_total: float | None  # dollars
    mad: float | None  # median absolute deviation (dollars)


def robust_z(value: float, centre: float, mad: float) -> float:
    """0.6745 x (value - median) / MAD."""
    return MAD_SCALE * (value - centre) / mad


class OrderAnomalies(Step):
    """Orders of the last days whose total is unusually high or low against the usual range (median and MAD)."""

    name = "order_anomalies"
    Params = OrderAnomaliesParams
    Output = OrderAnomaliesOutput
    example: ClassVar[dict[str, Any]] = {"days": 7}

    async def run(self, params: OrderAnomaliesParams, ctx: StepContext) -> OrderAnomaliesOutput:
        end = reference_time(ctx)
        baseline = await ctx.store.orders.orders(ctx.org_id, end - timedelta(days=params.baseline_days), end)
        recent = [o for o in baseline if o.placed_at >= end - timedelta(days=params.days)]
        if len(baseline) < 5:
            return OrderAnomaliesOutput(anomalies=[], anomaly_count=0, orders_checked=len(recent), baseline_orders=len(baseline),
                                        median_total=None, mad=None,
                                        summary=f"Order anomalies: {len(baseline)} orders in {params.baseline_days} days, "
                                                "too few to tell what is usual.")
        totals = [o.total for o in baseline]
        centre = median(totals)
        mad = median(abs(t - centre) for t in totals)
        found = []
        if mad > 0:
            for o in recent:
                z = robust_z(o.total, centre, mad)
                if abs(z) > params.threshold:
                    found.append(Anomaly(order_id=o.id, placed_at=o.placed_at.isoformat().replace("+00:00", "Z"), total=o.total,
                                         z=round(z, 2), direction="high" if z > 0 else "low", customer_id=o.customer_id))
        found.sort(key=lambda a: (-abs(a.z), a.placed_at))
        usual = f"usual order ${centre:,.2f} (MAD ${mad:,.2f})"
        if not found:
            summary = f"Order anomalies: none of {len(recent)} orders in the last {params.days} days is unusual; {usual}."
        else:
            lines = [f"Order anomalies: {len(found)} of {len(recent)} orders in the last {params.days} days; {usual}."]
            lines += [f"  - {a.order_id}: ${a.total:,.2f} ({a.direction}, z {a.z:g}) at {a.placed_at}" for a in found[:10]]
            summary = "\n".join(lines)
        return OrderAnomaliesOutput(anomalies=found[:params.top], anomaly_count=len(found), orders_checked=len(recent),
                                    baseline_orders=len(baseline), median_total=round(centre, 2), mad=round(mad, 2),
                                    summary=summary)
