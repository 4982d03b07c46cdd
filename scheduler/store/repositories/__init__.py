"""Repositories: the store as steps and services see it, one small class per family of queries."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from scheduler.store.repositories.actions import CompetitiveActionRepository, DraftRepository
from scheduler.store.repositories.approvals import ApprovalRepository
from scheduler.store.repositories.campaign_sends import CampaignSendRepository
from scheduler.store.repositories.competitors import CompetitorRepository
from scheduler.store.repositories.customers import CustomerRepository
from scheduler.store.repositories.exports import ExportRepository
from scheduler.store.repositories.integrations import IntegrationRepository
from scheduler.store.repositories.notifications import NotificationRepository
from scheduler.store.repositories.orders import LineRow, OrderRepository, OrderRow
from scheduler.store.repositories.prices import PriceRepository
from scheduler.store.repositories.products import ProductRepository
from scheduler.store.repositories.sales import ProductSales, SalesRepository, SalesTotals
from scheduler.store.repositories.snapshots import SnapshotRepository
from scheduler.store.repositories.tenants import TenantRepository
from scheduler.store.repositories.unit import UnitOfWork

__all__ = ["ApprovalRepository", "CampaignSendRepository", "CompetitiveActionRepository", "CompetitorRepository",
           "CustomerRepository", "DraftRepository", "ExportRepository", "IntegrationRepository", "LineRow", "NotificationRepository",
           "OrderRepository", "OrderRow", "PriceRepository", "ProductRepository", "ProductSales", "Repositories",
           "SalesRepository", "SalesTotals", "SnapshotRepository", "TenantRepository", "UnitOfWork"]


@dataclass(frozen=True)
class Repositories:
    """Every repository a step may use (StepContext.store); steps never see the engine."""

    tenants: TenantRepository
    sales: SalesRepository
    notifications: NotificationRepository
    products: ProductRepository
    competitors: CompetitorRepository
    snapshots: SnapshotRepository
    actions: CompetitiveActionRepository
    approvals: ApprovalRepository
    drafts: DraftRepository
    customers: CustomerRepository
    integrations: IntegrationRepository
    exports: ExportRepository
    orders: OrderRepository
    prices: PriceRepository
    campaign_sends: CampaignSendRepository

    @classmethod
    def on(cls, engine: Engine) -> Repositories:
        """The repositories over one engine."""
        return cls(TenantRepository(engine), SalesRepository(engine), NotificationRepository(engine),
                   ProductRepository(engine), CompetitorRepository(engine), SnapshotRepository(engine),
                   CompetitiveActionRepository(engine), ApprovalRepository(engine), DraftRepository(engine),
                   CustomerRepository(engine), IntegrationRepository(engine), ExportRepository(engine),
                   OrderRepository(engine), PriceRepository(engine), CampaignSendRepository(engine))
