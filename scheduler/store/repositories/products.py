"""The organisation's own catalogue: list it, and import a CSV (upsert by sku, all rows or none)."""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

from sqlmodel import Session, col, select

from scheduler.store.pages import keyset_page
from scheduler.store.repositories.base import Repository
from scheduler.store.tables import Product

CSV_HEADER = ("sku", "name", "category", "price", "cost", "quantity", "reorder_point")
MAX_COUNT = 999_999_999  # stock and reorder points: nine digits fit every database's integer column
MAX_ROWS = 10_000  # a catalogue, not a data dump: one import stays one short transaction


class CatalogueError(ValueError):
    """A CSV that cannot be imported; the message names the line (1 is the header)."""


@dataclass(frozen=True)
class CatalogueRow:
    """One valid row of a catalogue CSV."""

    sku: str
    name: str
    category: str
    price: float
    cost: float
    quantity: int
    reorder_point: int


@dataclass(frozen=True)
class ImportResult:
    """How many products an import added and how many it updated."""

    added: int
    updated: int


def _amount(value: str, field: str) -> float:
    text = value.strip().removeprefix("$").replace(",", "")
    try:
        amount = float(text)
    except ValueError:
        raise ValueError(f"{field} {value.strip()!r} is not a number") from None
    if not math.isfinite(amount) or amount < 0:
        raise ValueError(f"{field} must be a number of 0 or more, not {value.strip()!r}")
    return round(amount, 2)


def _count(value: str, field: str) -> int:
    text = value.strip()
    if not text.isdigit() or int(text) > MAX_COUNT:
        raise ValueError(f"{field} must be a whole number from 0 to {MAX_COUNT}, not {text[:20]!r}")
    return int(text)


def _row(cells: list[str], seen: set[str]) -> CatalogueRow:
    if len(cells) != len(CSV_HEADER):
        raise ValueError(f"expected {len(CSV_HEADER)} columns ({','.join(CSV_HEADER)}), found {len(cells)}")
    sku, name, category = (c.strip() for c in cells[:3])
    if not sku:
        raise ValueError("sku is empty")
    if sku.casefold() in seen:
        raise ValueError(f"sku {sku!r} appears twice in the file")
    if not name:
        raise ValueError("name is empty")
    for field, value, longest in (("sku", sku, 64), ("name", name, 200), ("category", category, 100)):
        if len(value) > longest:
            raise ValueError(f"{field} is longer than {longest} characters")
    price = _amount(cells[3], "price")
    if price <= 0:
        raise ValueError("price must be above 0")
    return CatalogueRow(sku, name, category, price, _amount(cells[4], "cost"), _count(cells[5], "quantity"),
                        _count(cells[6], "reorder_point"))


def parse_catalogue(text: str) -> list[CatalogueRow]:
    """The rows of a catalogue CSV, or a CatalogueError naming the first bad line; blank lines are skipped."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != list(CSV_HEADER):
        raise CatalogueError(f"line 1: the header must be {','.join(CSV_HEADER)}")
    rows: list[CatalogueRow] = []
    seen: set[str] = set()
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise CatalogueError(f"line {reader.line_num}: more than {MAX_ROWS:,} products in one file")
            try:
                row = _row(cells, seen)
            except ValueError as exc:
                raise CatalogueError(f"line {reader.line_num}: {exc}") from None
            seen.add(row.sku.casefold())
            rows.append(row)
    except csv.Error as exc:
        raise CatalogueError(f"line {reader.line_num}: {exc}") from None
    return rows


class ProductRepository(Repository):
    """The organisation's products."""

    async def list(self, org_id: str) -> list[Product]:
        """Every product of the organisation, by name."""
        return await self._off_loop(self._list, org_id)

    async def page(self, org_id: str, limit: int, cursor: str | None) -> tuple[list[Product], str | None]:
        """A page of the organisation's products, by name, and the next page's cursor."""
        return await self._off_loop(self._page, org_id, limit, cursor)

    def _page(self, org_id: str, limit: int, cursor: str | None) -> tuple[list[Product], str | None]:
        with Session(self._engine, expire_on_commit=False) as session:
            return keyset_page(session, Product, select(Product).where(Product.org_id == org_id), org_id, "name", limit, cursor)

    async def import_csv(self, org_id: str, text: str) -> ImportResult:
        """Upsert the CSV's rows by sku in one transaction; a bad row (CatalogueError) imports nothing."""
        rows = parse_catalogue(text)
        return await self._off_loop(self._upsert, org_id, rows)

    def _list(self, org_id: str) -> list[Product]:
        with Session(self._engine, expire_on_commit=False) as session:
            return list(session.exec(select(Product).where(Product.org_id == org_id).order_by(col(Product.name), col(Product.id))))

    def _upsert(self, org_id: str, rows: list[CatalogueRow]) -> ImportResult:
        added = updated = 0
        with Session(self._engine) as session:
            existing = {p.sku: p for p in session.exec(select(Product).where(Product.org_id == org_id, col(Product.sku).is_not(None)))}
            for row in rows:
                product = existing.get(row.sku)
                if product is None:
                    product = Product(org_id=org_id, sku=row.sku, name=row.name, price=row.price)
                    added += 1
                else:
                    updated += 1
                product.name, product.category, product.price, product.cost = row.name, row.category, row.price, row.cost
                product.quantity, product.reorder_point = row.quantity, row.reorder_point
                session.add(product)
            session.commit()
        return ImportResult(added, updated)
