"""The one registry of step types, keyed by action name: each implements an action of the catalog."""
from __future__ import annotations

from typing import Any

from scheduler.catalog import ACTIONS, COMMON_OUTPUTS
from scheduler.steps.base import Step


class StepRegistry:
    """Action name -> step instance; registering a name twice is an error."""

    def __init__(self) -> None:
        self._steps: dict[str, Step] = {}

    def register(self, step: Step) -> None:
        """Add a step type under its `name`, which must be an action of the catalog (scheduler/catalog/actions.py)."""
        if step.name not in ACTIONS:
            raise ValueError(
                f"step type {type(step).__name__} names action {step.name!r}, which is not in the catalog; "
                f"declare it in scheduler/catalog/actions.py first (known: {', '.join(ACTIONS)})"
            )
        if step.name in self._steps:
            raise ValueError(f"step type {step.name!r} registered twice")
        self._steps[step.name] = step

    def get(self, name: str) -> Step | None:
        """The step type for an action, or None."""
        return self._steps.get(name)

    def names(self) -> list[str]:
        """All registered action names, sorted."""
        return sorted(self._steps)

    def __contains__(self, name: object) -> bool:
        return name in self._steps


def default_registry() -> StepRegistry:
    """The registry with every built-in step type."""
    registry = StepRegistry()
    for step in builtin_steps():
        registry.register(step)
    return registry


def builtin_steps() -> list[Step]:
    """Every built-in step type: adding one is its module and one line here."""
    from scheduler.steps.control.approval import RequestApproval
    from scheduler.steps.control.branch import Branch
    from scheduler.steps.control.delegate import Delegate
    from scheduler.steps.control.emit import EmitEvent
    from scheduler.steps.control.for_each import ForEach
    from scheduler.steps.control.log import Log
    from scheduler.steps.control.run_playbook import RunPlaybook
    from scheduler.steps.control.summarize import Summarize
    from scheduler.steps.control.values import SetValues
    from scheduler.steps.control.wait import Wait
    from scheduler.steps.delivery.drive import SaveToDrive
    from scheduler.steps.delivery.email import SendEmail
    from scheduler.steps.delivery.notify import Notify
    from scheduler.steps.delivery.slack import PostSlack
    from scheduler.steps.delivery.sms import SendSms
    from scheduler.steps.delivery.webhook import PostWebhook
    from scheduler.steps.intelligence.actions import AnalyzeCompetitiveIntelligence
    from scheduler.steps.intelligence.assortment import AssortmentGaps
    from scheduler.steps.intelligence.changes import DetectPriceChanges, TrackNewProducts
    from scheduler.steps.intelligence.price_history import CompetitorPriceHistory
    from scheduler.steps.intelligence.promotions import FindCompetitorPromotions
    from scheduler.steps.intelligence.report import GenerateCompetitorReport
    from scheduler.steps.intelligence.scan import ScanCompetitors
    from scheduler.steps.marketing.basket import BasketAnalysis
    from scheduler.steps.marketing.campaign import CreateCampaignDraft
    from scheduler.steps.marketing.compliance import ComplianceCheck
    from scheduler.steps.marketing.loyalty import LoyaltyReport
    from scheduler.steps.marketing.review import ReplyToReview
    from scheduler.steps.marketing.segment import SegmentCustomers
    from scheduler.steps.marketing.send_campaign import SendCampaign
    from scheduler.steps.marketing.sentiment import ReviewSentiment
    from scheduler.steps.marketing.social import GenerateSocialPost
    from scheduler.steps.marketing.winback import CustomerWinback
    from scheduler.steps.operations.anomalies import OrderAnomalies
    from scheduler.steps.operations.daily import DailySummary
    from scheduler.steps.operations.dead_stock import DeadStock
    from scheduler.steps.operations.export import ExportCsv
    from scheduler.steps.operations.forecast import SalesForecast
    from scheduler.steps.operations.hours import BusiestHours
    from scheduler.steps.operations.inventory import CheckInventory
    from scheduler.steps.operations.reorder import CreateReorderList
    from scheduler.steps.operations.value import InventoryValue
    from scheduler.steps.pricing.analyze import AnalyzePricing
    from scheduler.steps.pricing.impact import DiscountImpact
    from scheduler.steps.pricing.margins import AnalyzeMargins
    from scheduler.steps.pricing.price_history import PriceHistory
    from scheduler.steps.pricing.suggest import SuggestPriceAdjustment
    from scheduler.steps.reports.sales import SalesReport
    from scheduler.steps.reports.top_sellers import TopSellers
    from scheduler.steps.web.check_website import CheckWebsite
    from scheduler.steps.web.fetch_url import FetchUrl

    return [SalesReport(), SendEmail(), Notify(), FetchUrl(), ScanCompetitors(), AnalyzePricing(), DetectPriceChanges(),
            TrackNewProducts(), FindCompetitorPromotions(), GenerateCompetitorReport(),
            AnalyzeCompetitiveIntelligence(),
            SuggestPriceAdjustment(),
            RequestApproval(),
            CreateCampaignDraft(),
            CreateReorderList(),
            SendSms(), PostSlack(), PostWebhook(), SaveToDrive(),
            SegmentCustomers(), ComplianceCheck(), GenerateSocialPost(), CustomerWinback(), LoyaltyReport(), ReplyToReview(),
            Summarize(), SetValues(), Log(),
            CheckInventory(),
            TopSellers(),
            ExportCsv(),
            EmitEvent(),
            Wait(), RunPlaybook(), Delegate(), ForEach(), Branch(),
            AnalyzeMargins(),
            InventoryValue(),
            DeadStock(),
            SalesForecast(),
            OrderAnomalies(),
            DailySummary(),
            CheckWebsite(),
            ReviewSentiment(),
            CompetitorPriceHistory(),
            AssortmentGaps(),
            PriceHistory(),
            DiscountImpact(),
            SendCampaign(),
            BasketAnalysis(),
            BusiestHours()]


def catalog_entries(registry: StepRegistry) -> list[dict[str, Any]]:
    """Every catalog action, in catalog order, with whether a step implements it and, if so, its JSON schemas."""
    entries = []
    for act in ACTIONS.values():
        step = registry.get(act.name)
        entries.append({
            "name": act.name, "family": act.family, "owner": act.owner, "stage": act.stage.name,
            "description": act.description, "available": step is not None,
            "outputs": {**act.outputs, **COMMON_OUTPUTS},
            "params_schema": step.Params.model_json_schema() if step else None,
            "output_schema": step.Output.model_json_schema() if step else None,
        })
    return entries
