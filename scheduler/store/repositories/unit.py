"""A step's unit of work: database-local writes staged while it runs, committed with its checkpoint."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from scheduler.store.tables import SideEffect


class UnitOfWork:
    """Rows a step adds (a notification, later a competitive action or a price change) and its keyed record.

    Nothing touches the store until the executor applies the unit inside the one transaction that
    also writes the step's checkpoint and renews the run's lease: the effect and the "done" mark
    commit together or not at all, so a resumed step can neither repeat nor lose it.
    """

    def __init__(self) -> None:
        self._rows: list[tuple[Table, dict[str, Any]]] = []
        self._record: tuple[str, dict[str, Any]] | None = None

    def add(self, row: SQLModel) -> None:
        """Stage one new row (its id and defaults are filled in now, so callers can answer with them)."""
        self._rows.append((row.__table__, row.model_dump()))  # type: ignore[attr-defined]

    def keyed(self, kind: str, result: dict[str, Any]) -> None:
        """Stage the side effect's record under the step's key (`execution_id:step_index`)."""
        self._record = (kind, result)

    def __bool__(self) -> bool:
        return bool(self._rows) or self._record is not None

    def apply(self, conn: Connection, org_id: str, key: str) -> None:
        """Write the staged rows on `conn`, inside the caller's transaction (the executor's checkpoint)."""
        for table, values in self._rows:
            conn.execute(insert(table), values)
        if self._record is not None:
            kind, result = self._record
            conn.execute(insert(SideEffect.__table__),
                         SideEffect(key=key, org_id=org_id, kind=kind, result=result).model_dump())
