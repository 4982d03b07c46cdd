"""export_csv (Pops): orders, products, inventory or customers for a period, as a CSV file delivery steps can attach."""
from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, field_validator

from scheduler.integrations.files import write_file
from scheduler.steps.base import Step, StepContext, StepOutput, StepParams
from scheduler.steps.operations.inventory import CheckInventoryParams, stock_item
from scheduler.steps.reports.window import Window, report_window
from scheduler.timing.periods import Period, normalise_period

Dataset = Literal["orders", "products", "inventory", "customers"]
MAX_ROWS = 50_000  # one file a person opens in a spreadsheet, not a data dump
# Spreadsheets run a cell that starts with one of these as a formula: names typed by customers or read
# from the web must stay text (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?[\d\s().-]*")  # "+1 315 555 0136": digits only call nothing, kept as written


class ExportParams(StepParams):
    dataset: Dataset = "orders"  # "sales" is read as orders
    period: Period = "last_30_days"  # orders and customers: placed in it; products and inventory: their sales in it

    _period = field_validator("period", mode="before")(normalise_period)

    @field_validator("dataset", mode="before")
    @classmethod
    def _dataset(cls, value: object) -> object:
        return "orders" if isinstance(value, str) and value.strip().lower() in ("sales", "order_lines", "transactions") else value


class ExportFile(BaseModel):
    name: str
    path: str  # relative to $PLAYBOOKS_HOME/files/
    content_type: str
    bytes: int
    sha256: str


class ExportOutput(StepOutput):
    dataset: str
    period: str
    start: datetime
    end: datetime
    row_count: int
    truncated: bool
    columns: list[str]
    file: ExportFile


def cell(value: Any, window: Window) -> Any:
    """A value as a CSV cell: instants in the organisation's zone, text kept from being read as a formula."""
    if isinstance(value, datetime):
        return window.local(value).isoformat(timespec="seconds")
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def to_csv(rows: list[dict[str, Any]], columns: list[str], window: Window) -> bytes:
    """The rows as CSV (UTF-8 with a BOM so spreadsheets read the accents right), header first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([cell(r.get(c), window) for c in columns] for r in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


COLUMNS: dict[str, list[str]] = {
    "orders": ["order_id", "placed_at", "customer", "product", "sku", "category", "quantity", "unit_price",
               "line_total", "order_total"],
    "products": ["sku", "product", "category", "price", "cost", "margin_pct", "quantity", "reorder_point",
                 "units_sold", "revenue"],
    "inventory": ["sku", "product", "category", "quantity", "reorder_point", "daily_sales", "days_of_cover", "status"],
    "customers": ["customer_id", "name", "email", "phone", "loyalty_tier", "first_seen", "last_seen", "orders", "spend"],
}


class ExportCsv(Step):
    """Write a data set of the organisation as a CSV file in $PLAYBOOKS_HOME/files/<org>/; send_email attaches it."""

    name = "export_csv"
    Params = ExportParams
    Output = ExportOutput
    example: ClassVar[dict[str, Any]] = {"dataset": "orders", "period": "last_7_days"}

    async def run(self, params: ExportParams, ctx: StepContext) -> ExportOutput:
        window = await report_window(ctx, params.period)
        rows = await self._rows(params.dataset, window, ctx)
        truncated = len(rows) > MAX_ROWS
        rows = rows[:MAX_ROWS]
        columns = COLUMNS[params.dataset]
        day = f"{window.local(window.start):%Y-%m-%d}"
        # The step's key in the name: a retry rewrites its own file; two runs never share one.
        name = f"{params.dataset}-{day}-{ctx.idempotency_key}.csv"
        stored = await asyncio.to_thread(write_file, ctx.settings, ctx.org_id, name, to_csv(rows, columns, window),
                                         "text/csv")
        summary = (f"Exported {len(rows)} row{'s' if len(rows) != 1 else ''} of {params.dataset} ({window.label}) "
                   f"to {stored.name}" + (f"; cut at {MAX_ROWS:,} rows" if truncated else "") + ".")
        return ExportOutput(dataset=params.dataset, period=params.period, start=window.start, end=window.end,
                            row_count=len(rows), truncated=truncated, columns=columns,
                            file=ExportFile(**stored.as_output()), summary=summary)

    @staticmethod
    async def _rows(dataset: str, window: Window, ctx: StepContext) -> list[dict[str, Any]]:
        if dataset == "orders":
            return await ctx.store.exports.order_lines(ctx.org_id, window.start, window.end, MAX_ROWS + 1)
        if dataset == "customers":
            return await ctx.store.exports.customers(ctx.org_id, window.start, window.end, MAX_ROWS + 1)
        catalogue = await ctx.store.products.list(ctx.org_id)
        if dataset == "inventory":
            days = max((window.end - window.start).days, 1)
            rates = await ctx.store.sales.daily_rates(ctx.org_id, window.end, days)
            judge = CheckInventoryParams()
            return [{"sku": p.sku, **stock_item(p, rates.get(p.id, 0.0), judge).model_dump()} for p in catalogue]
        sold = {s.product_id: s for s in await ctx.store.sales.by_product(ctx.org_id, window.start, window.end)}
        return [{"sku": p.sku, "product": p.name, "category": p.category, "price": p.price, "cost": p.cost,
                 "margin_pct": round(100 * (p.price - p.cost) / p.price, 1) if p.price else 0.0,
                 "quantity": p.quantity, "reorder_point": p.reorder_point,
                 "units_sold": sold[p.id].quantity if p.id in sold else 0,
                 "revenue": round(sold[p.id].revenue, 2) if p.id in sold else 0.0}
                for p in catalogue]
