"""basket_analysis (Craig): products bought together: how often, and how much more than chance (lift)."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from itertools import combinations
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.reports.window import reference_time


class BasketAnalysisParams(StepParams):
    days: int = Field(90, ge=1, le=730)  # orders of the last `days` days
    min_orders: int = Field(5, ge=1, le=10_000)  # a pair counts when bought together in at least this many orders ...
    min_lift: float = Field(1.2, ge=0, le=1000)  # ... and at least this much likelier together than by chance
    top: int = Field(10, ge=1, le=100)


class Pair(BaseModel):
    first: str
    second: str
    orders: int  # orders holding both
    support_pct: float  # of all orders (percent)
    confidence_pct: float  # of the orders holding `first`, those also holding `second` (percent)
    lift: float  # how much likelier together than if bought independently (1 = chance)


class BasketAnalysisOutput(StepOutput):
    pairs: list[Pair]  # most orders together first, then highest lift
    pair_count: int  # pairs at or above min_orders and min_lift
    orders: int  # orders in the period
    multi_item_orders: int  # of them, with two products or more
    top_pair: str | None  # "first + second"


class BasketAnalysis(Step):
    """Which products are bought together (for bundles and cross-sells): support, confidence and lift of each pair."""

    name = "basket_analysis"
    Params = BasketAnalysisParams
    Output = BasketAnalysisOutput
    example: ClassVar[dict[str, Any]] = {"days": 90, "min_orders": 2}

    async def run(self, params: BasketAnalysisParams, ctx: StepContext) -> BasketAnalysisOutput:
        end = reference_time(ctx)
        baskets: dict[str, set[str]] = defaultdict(set)
        for line in await ctx.store.orders.lines(ctx.org_id, end - timedelta(days=params.days), end):
            baskets[line.order_id].add(line.product_id)
        names = {p.id: p.name for p in await ctx.store.products.list(ctx.org_id)}
        total = len(baskets)
        single: Counter[str] = Counter(pid for items in baskets.values() for pid in items)
        together: Counter[tuple[str, str]] = Counter()
        for items in baskets.values():
            together.update(combinations(sorted(items, key=lambda pid: names.get(pid, pid)), 2))
        pairs = []
        for (a, b), count in together.items():
            lift = count * total / (single[a] * single[b])
            if count < params.min_orders or lift < params.min_lift:
                continue
            first, second = (a, b) if single[a] >= single[b] else (b, a)  # read from the more common one
            pairs.append(Pair(first=names.get(first, first), second=names.get(second, second), orders=count,
                              support_pct=round(count / total * 100, 2), confidence_pct=round(count / single[first] * 100, 1),
                              lift=round(lift, 2)))
        pairs.sort(key=lambda p: (-p.orders, -p.lift, p.first, p.second))
        multi = sum(1 for items in baskets.values() if len(items) > 1)
        if not pairs:
            summary = (f"Bought together: no pair of products in {params.min_orders}+ of {total} orders in the last "
                       f"{params.days} days with a lift of {params.min_lift:g} or more.")
        else:
            lines = [f"Bought together ({len(pairs)} pairs in {params.min_orders}+ orders, lift {params.min_lift:g}+; "
                     f"{multi} of {total} orders had two products or more):"]
            lines += [f"  - {p.first} + {p.second}: {p.orders} orders, {p.confidence_pct:g}% of {p.first} buyers, "
                      f"lift {p.lift:g}" for p in pairs[:10]]
            summary = "\n".join(lines)
        return BasketAnalysisOutput(pairs=pairs[:params.top], pair_count=len(pairs), orders=total, multi_item_orders=multi,
                                    top_pair=f"{pairs[0].first} + {pairs[0].second}" if pairs else None, summary=summary)
