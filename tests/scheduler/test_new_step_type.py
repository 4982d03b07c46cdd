"""Adding a step type is one module and one registry line: a catalog action gets a step here, nothing else changes."""
from __future__ import annotations

from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, Field

from scheduler.demo.seed import seed_demo
from scheduler.runs.history import get_execution
from scheduler.runtime import Runtime
from scheduler.services.playbooks import PlaybookService
from scheduler.services.validation import PlaybookInvalid
from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.registry import StepRegistry, builtin_steps
from scheduler.steps.reports.sales import Period, SalesReport, SalesReportParams
from scheduler.store.db import make_engine, migrate
from tests.conftest import run_now


# ---- the one module: what a developer writes for the catalog's `top_sellers` action ----
class TopSellersParams(StepParams):
    period: Period = "last_7_days"
    top: int = Field(3, ge=1, le=20)


class Seller(BaseModel):
    name: str
    quantity: int


class TopSellersOutput(StepOutput):
    sellers: list[Seller]
    best: str | None


class TopSellers(Step):
    """The best-selling products of a period, by revenue."""

    name = "top_sellers"
    Params = TopSellersParams
    Output = TopSellersOutput
    example: ClassVar[dict[str, Any]] = {"period": "last_30_days", "top": 2}

    async def run(self, params: TopSellersParams, ctx: StepContext) -> TopSellersOutput:
        report = await SalesReport().run(SalesReportParams(period=params.period, top=params.top), ctx)
        sellers = [Seller(name=p.name, quantity=p.quantity) for p in report.top_products]
        lines = [f"{i}. {s.name} ({s.quantity} sold)" for i, s in enumerate(sellers, 1)]
        return TopSellersOutput(summary="Top sellers: " + ("; ".join(lines) or "no sales"),
                                sellers=sellers, best=sellers[0].name if sellers else None)


# ---- the one registry line ----
def builtin_without_top_sellers() -> list[Step]:
    """The built-in steps as they were before `top_sellers` was built (the real one lives in steps/reports)."""
    return [s for s in builtin_steps() if s.name != "top_sellers"]


def registry_without_top_sellers() -> StepRegistry:
    """The registry before the registry line."""
    registry = StepRegistry()
    for step in builtin_without_top_sellers():
        registry.register(step)
    return registry


def registry_with_top_sellers() -> StepRegistry:
    """Built as default_registry is, plus the new step type."""
    registry = StepRegistry()
    for step in [*builtin_without_top_sellers(), TopSellers()]:
        registry.register(step)
    return registry


SPEC = {
    "name": "Weekly Top Sellers", "agent": "pops", "triggers": [{"type": "manual"}],
    "steps": [
        {"action": "top_sellers", "params": {"period": "last_30_days", "top": 2}},
        {"action": "notify", "condition": "{{top_sellers.best}} != ''",
         "params": {"title": "Best seller: {{top_sellers.best}}", "message": "{{top_sellers.summary}}"}},
    ],
}


def test_without_the_registry_line_the_playbook_is_refused_on_save(settings):
    engine = make_engine(settings)
    migrate(engine)
    seed_demo(engine)
    with pytest.raises(PlaybookInvalid, match=r"steps\[0\]\.action: unknown action 'top_sellers'"):
        PlaybookService(engine, registry_without_top_sellers()).create("demo", SPEC)
    engine.dispose()


async def test_a_new_step_type_validates_on_save_and_runs_to_completed(settings):
    runtime = Runtime.build(settings, demo=True, registry=registry_with_top_sellers())
    with pytest.raises(PlaybookInvalid, match=r"steps\[0\]\.params\.top: Input should be less than or equal to 20"):
        runtime.playbooks.create("demo", {**SPEC, "steps": [{"action": "top_sellers", "params": {"top": 99}}]})
    await runtime.start()
    try:
        playbook = runtime.playbooks.create("demo", SPEC)
        run = get_execution(runtime.engine, "demo", await run_now(runtime, playbook))
    finally:
        await runtime.stop()
    assert run["status"] == "completed", run
    sellers, notified = run["stepResults"]
    assert sellers["action"] == "top_sellers" and len(sellers["output"]["sellers"]) == 2
    assert notified["status"] == "completed"
    assert run["stepResults"][0]["output"]["summary"].startswith("Top sellers: 1. " + sellers["output"]["best"])
