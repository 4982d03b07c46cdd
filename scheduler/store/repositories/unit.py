"""A step's unit of work: database-local writes staged while it runs, committed with its checkpoint."""
from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Executable, Insert, Table, insert
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from scheduler.store.tables import SideEffect, utcnow


class UnitOfWork:
    """Rows a step adds (a notification, later a competitive action or a price change) and its keyed record.

    Nothing touches the store until the executor applies the unit inside the one transaction that
    also writes the step's checkpoint and renews the run's lease: the effect and the "done" mark
    commit together or not at all, so a resumed step can neither repeat nor lose it.
    """

    def __init__(self) -> None:
        self._rows: list[tuple[Table, dict[str, Any]]] = []
        self._record: tuple[str, dict[str, Any]] | None = None
        self._statements: list[Executable] = []
        self._nested: list[tuple[str, str, dict[str, Any]]] = []  # (key, kind, result) of nested steps' records

    def add(self, model: type[SQLModel], **values: Any) -> None:
        """Stage one new row of `model`'s table; `values` name every column (ids and defaults filled in by the caller)."""
        self._rows.append((model.__table__, values))  # type: ignore[attr-defined]

    def execute(self, statement: Executable) -> None:
        """Stage a statement (an UPDATE of rows the step claimed), run after the staged rows, in the same transaction."""
        self._statements.append(statement)

    def keyed(self, kind: str, result: dict[str, Any]) -> None:
        """Stage the side effect's record under the step's key (`execution_id:step_index`)."""
        self._record = (kind, result)

    def staged(self, model: type[SQLModel]) -> list[dict[str, Any]]:
        """The values of the rows staged for `model`'s table (the executor hands staged events to the relay)."""
        table = model.__table__  # type: ignore[attr-defined]
        return [values for t, values in self._rows if t is table]

    def merge(self, other: UnitOfWork, key: str) -> None:
        """Take a nested step's staged writes; its keyed record goes under its own `key` (an item's place)."""
        self._rows += other._rows
        self._statements += other._statements
        self._nested += other._nested
        if other._record is not None:
            self._nested.append((key, *other._record))

    def __bool__(self) -> bool:
        return bool(self._rows) or bool(self._statements) or self._record is not None or bool(self._nested)

    def apply(self, conn: Connection, org_id: str, key: str) -> None:
        """Write the staged rows on `conn`, inside the caller's transaction (the executor's checkpoint)."""
        for table, values in self._rows:
            conn.execute(_insert(table), values)
        for statement in self._statements:
            conn.execute(statement)
        records = [(key, *self._record)] if self._record is not None else []
        for record_key, kind, result in records + self._nested:
            conn.execute(_insert(SideEffect.__table__),
                         {"key": record_key, "org_id": org_id, "kind": kind, "result": result, "created_at": utcnow()})


@cache
def _insert(table: Table) -> Insert:
    # One statement object per table: SQLAlchemy then compiles it once, not on every step.
    return insert(table)
