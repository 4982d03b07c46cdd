"""Product routes: the catalogue, and a CSV import that upserts by sku (all rows or none)."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from api import schemas
from api.deps import CurrentPrincipal, PageDep, RuntimeDep
from scheduler.store.repositories.products import CSV_HEADER, CatalogueError

router = APIRouter(prefix="/api/products", tags=["products"])
MAX_BODY = 5 * 1024 * 1024
CSV_BODY = {"requestBody": {"required": True, "content": {"text/csv": {
    "schema": {"type": "string"}, "example": ",".join(CSV_HEADER) + "\nPR-SD-1,Sour Diesel Pre-Roll 1g,Pre-Rolls,12.00,4.50,40,15\n"}}}}


@router.get("")
async def list_products(runtime: RuntimeDep, who: CurrentPrincipal, page: PageDep) -> schemas.ProductList:
    """The organisation's products, by name, a page at a time."""
    products, next_cursor = await runtime.executor.store.products.page(who.org_id, page.limit, page.cursor)
    return schemas.ProductList(items=[schemas.Product.model_validate(p.model_dump(exclude={"org_id"})) for p in products],
                               next_cursor=next_cursor)


@router.post("/import", openapi_extra=CSV_BODY)
async def import_products(request: Request, runtime: RuntimeDep, who: CurrentPrincipal) -> schemas.ImportResult:
    """Upsert products from a CSV body (header sku,name,category,price,cost,quantity,reorder_point); a bad line imports nothing."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("text/csv", "text/plain"):
        raise HTTPException(415, "send the catalogue as text/csv")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(413, "the CSV is over 5 MB")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(422, "the CSV must be UTF-8 text") from None
    try:
        result = await runtime.executor.store.products.import_csv(who.org_id, text)
    except CatalogueError as exc:
        raise HTTPException(422, str(exc)) from None
    return schemas.ImportResult(added=result.added, updated=result.updated)
