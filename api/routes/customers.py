"""Customers: a new customer emits customer.created in the same transaction."""
from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentPrincipal, RuntimeDep
from api.event_schemas import CustomerIn, Written

router = APIRouter(prefix="/api/customers", tags=["customers"])


@router.post("", status_code=201)
def create_customer(body: CustomerIn, runtime: RuntimeDep, who: CurrentPrincipal) -> Written:
    """Add a customer (an email already on file is a 409); emits customer.created."""
    written = runtime.shop.create_customer(who.org_id, body.name, body.email, body.phone)
    return Written.of(written.record, written.events)
