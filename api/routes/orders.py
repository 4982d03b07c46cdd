"""Orders: a new order takes its lines from stock and emits order.created (and any stock crossings) with it."""
from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentPrincipal, RuntimeDep
from api.event_schemas import OrderIn, Written

router = APIRouter(prefix="/api/orders", tags=["orders"])


@router.post("", status_code=201)
def create_order(body: OrderIn, runtime: RuntimeDep, who: CurrentPrincipal) -> Written:
    """Store an order; its events (order.created, customer.created, inventory crossings) commit with it."""
    written = runtime.shop.create_order(
        who.org_id, [line.model_dump(by_alias=True) for line in body.items], body.total, body.customer_id,
        body.customer.model_dump() if body.customer else None)
    return Written.of(written.record, written.events)
