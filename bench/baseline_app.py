"""The HTTP baseline: a bare FastAPI app doing one SQLite insert (POST) or one select (GET) per request."""
from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException

SEEDED = "item-0"


def create_baseline(db: Path) -> FastAPI:
    """The app; one connection per worker thread, with the pragmas the engine sets."""
    local = threading.local()

    def conn() -> sqlite3.Connection:
        if not hasattr(local, "conn"):
            c = sqlite3.connect(db, timeout=30, check_same_thread=False)
            for pragma in ("PRAGMA journal_mode=WAL", "PRAGMA busy_timeout=30000", "PRAGMA foreign_keys=ON"):
                c.execute(pragma)
            local.conn = c
        return local.conn

    setup = conn()
    setup.execute("CREATE TABLE IF NOT EXISTS items (id TEXT PRIMARY KEY, body TEXT, created_at REAL)")
    setup.execute("INSERT OR IGNORE INTO items VALUES (?, ?, ?)", (SEEDED, '{"name": "seeded"}', time.time()))
    setup.commit()
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    # Plain `def` routes run in the threadpool, as the playbook routes do.
    @app.post("/items", status_code=202)
    def create_item(body: dict[str, Any] | None = None) -> dict[str, str]:
        item_id = uuid.uuid4().hex
        c = conn()
        c.execute("INSERT INTO items VALUES (?, ?, ?)", (item_id, str(body), time.time()))
        c.commit()
        return {"id": item_id, "status": "queued"}

    @app.get("/items/{item_id}")
    def get_item(item_id: str) -> dict[str, Any]:
        row = conn().execute("SELECT id, body, created_at FROM items WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            raise HTTPException(404)
        return {"id": row[0], "body": row[1], "createdAt": row[2]}

    return app
