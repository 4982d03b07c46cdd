"""The event catalog, declared once: names, what each means, who owns it, and the data it carries."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EventType:
    """A named domain event that can start playbooks."""

    name: str
    label: str  # "an item runs low on stock": reads after "whenever"
    owner: str  # the persona that owns playbooks started by it
    title: str  # the default name of a playbook it starts
    data: dict[str, str] = field(default_factory=dict)  # field -> meaning, as `{{event.<field>}}`


EVENTS: dict[str, EventType] = {e.name: e for e in (
    EventType("inventory.low_stock", "an item runs low on stock", "pops", "Low Stock Alert",
              {"product_name": "the product", "quantity": "units left", "reorder_point": "its reorder point"}),
    EventType("inventory.out_of_stock", "a product runs out of stock", "pops", "Out of Stock Alert",
              {"product_name": "the product", "quantity": "units left (0)"}),
    EventType("inventory.restocked", "an item is restocked", "pops", "Restock Alert",
              {"product_name": "the product", "quantity": "units now in stock"}),
    EventType("order.created", "a new order comes in", "pops", "New Order Alert",
              {"order_id": "the order", "total": "order total in dollars"}),
    EventType("customer.created", "a new customer signs up", "craig", "New Customer Alert",
              {"customer.email": "their email", "customer.phone": "their phone", "customer.name": "their name"}),
    EventType("customer.lapsed", "a customer lapses", "craig", "Lapsed Customer Alert",
              {"customer.email": "their email", "customer.name": "their name",
               "days_since_last_order": "days since their last order"}),
    EventType("competitor.price_change", "a competitor changes a price", "ezal", "Competitor Price Change Alert",
              {"competitor": "the competitor", "product_name": "the product", "change_pct": "percent change (positive)"}),
    EventType("competitor.price_drop", "a competitor drops a price", "ezal", "Competitor Price Drop Alert",
              {"competitor": "the competitor", "product_name": "the product", "drop_pct": "percent drop (positive)"}),
    EventType("competitor.new_product", "a competitor lists a new product", "ezal", "Competitor New Product Alert",
              {"competitor": "the competitor", "product_name": "the product"}),
    EventType("playbook.failed", "a playbook fails", "pops", "Playbook Failure Alert",
              {"playbook_id": "the playbook that failed", "error": "why it failed"}),
)}
EVENT_NAMES: tuple[str, ...] = tuple(EVENTS)
