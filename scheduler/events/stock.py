"""Which inventory events a stock change emits: crossings of the reorder point and of zero, never levels.

An item is low when its quantity is at or below its reorder point (as the reorder list and the
heartbeat count it). Only a change of state emits: the write that takes an item from above its
reorder point to at or below it emits `inventory.low_stock`, the one that takes it to zero
`inventory.out_of_stock` (both, when one write does both), the one that takes a low item back over
its reorder point `inventory.restocked`. Further writes in the same state emit nothing.
"""
from __future__ import annotations

LOW, OUT, RESTOCKED = "inventory.low_stock", "inventory.out_of_stock", "inventory.restocked"


def is_low(quantity: int, reorder_point: int) -> bool:
    """At or below the reorder point."""
    return quantity <= reorder_point


def crossings(before: tuple[int, int], after: tuple[int, int]) -> list[str]:
    """The events of a change from (quantity, reorder point) `before` to `after`, in the order they happened."""
    (q0, rp0), (q1, rp1) = before, after
    found = []
    if is_low(q1, rp1) and not is_low(q0, rp0):
        found.append(LOW)
    if q1 <= 0 < q0:
        found.append(OUT)
    if is_low(q0, rp0) and not is_low(q1, rp1):
        found.append(RESTOCKED)
    return found
