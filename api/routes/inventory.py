"""Inventory: set an item's stock; crossing its reorder point or zero emits the inventory event in the same transaction."""
from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentPrincipal, RuntimeDep
from api.event_schemas import EventOut, StockIn, StockOut

router = APIRouter(prefix="/api/inventory", tags=["inventory"])


@router.put("/{item_id}")
def set_stock(item_id: str, body: StockIn, runtime: RuntimeDep, who: CurrentPrincipal) -> StockOut:
    """Set the quantity (and reorder point) of a product; answers it and the events the change emitted."""
    written = runtime.shop.set_stock(who.org_id, item_id, body.quantity, body.reorder_point)
    item = written.record
    return StockOut(id=item["id"], sku=item["sku"], name=item["name"], quantity=item["quantity"],
                    reorder_point=item["reorder_point"], events=[EventOut.of(e) for e in written.events])
