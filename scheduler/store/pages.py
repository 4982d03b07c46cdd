"""Keyset pages for any list: ordered by one column and the id, the cursor being the last item's id."""
from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import and_, or_
from sqlmodel import Session, col
from sqlmodel.sql.expression import SelectOfScalar

T = TypeVar("T")


class BadCursor(ValueError):
    """A cursor that is not an item of the list it pages (another list's, another organisation's, or made up)."""


def keyset_page(session: Session, model: type[T], query: SelectOfScalar[T], org_id: str, order_by: str,
                limit: int, cursor: str | None, newest_first: bool = False) -> tuple[list[T], str | None]:
    """A page of `query` ordered by (`order_by`, id) after the cursor's row; and the next page's cursor (None at the end)."""
    key, row_id = getattr(model, order_by), model.id  # type: ignore[attr-defined]
    if cursor:
        last: Any = session.get(model, cursor)
        if last is None or last.org_id != org_id:
            raise BadCursor(f"cursor {cursor!r} is not from this list")
        value = getattr(last, order_by)
        if newest_first:
            query = query.where(or_(key < value, and_(key == value, row_id < last.id)))
        else:
            query = query.where(or_(key > value, and_(key == value, row_id > last.id)))
    order = (col(key).desc(), col(row_id).desc()) if newest_first else (col(key), col(row_id))
    rows = list(session.exec(query.order_by(*order).limit(limit + 1)))
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)  # type: ignore[attr-defined]
