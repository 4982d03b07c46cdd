"""Row: one inventory write that crosses the reorder point, fanned out to K listening playbooks, against one raw commit.

The write, its inventory.low_stock event and the K runs it files commit in one transaction
(ShopService.set_stock -> EventBus.emit_in -> start_runs); the runs are only filed, not executed
(a collecting dispatcher), so the figure is what the writer waits for. 1,000 playbooks of another
organisation listen to the same event throughout: their rows must cost the write nothing.

The baseline is one single-row commit on the same database through the same engine (an UPDATE of
another item's quantity, no event), interleaved with the measured writes so both see the same disk
and the same load; a raw sqlite3 commit is reported beside it.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.common import (
    NOTIFY,
    ORG,
    ChildFailed,
    Config,
    Row,
    TimedOut,
    failed_row,
    fresh_dir,
    in_child,
    ms,
    percentile,
    ratio,
    timed_out_row,
)
from bench.engine import build, seed_org
from bench.step import raw_commits

NAME = "events"
OTHERS = 1000
TARGETS = {1: "p50 <= one commit + 1 ms", 10: "p99 <= 20 ms", 100: "p99 <= 20 ms"}


def listener_spec(name: str) -> dict[str, Any]:
    """An active playbook that runs a notify step on inventory.low_stock."""
    return {"name": name, "agent": "pops", "category": "operations",
            "triggers": [{"type": "event", "event": "inventory.low_stock"}], "steps": [dict(NOTIFY)]}


def seed_listeners(runtime, org_id: str, count: int) -> None:
    """`count` listening playbooks: the first through the service, the rest as copies of its rows (same shape)."""
    from sqlalchemy import insert, select

    from scheduler.store.event_tables import EventListener
    from scheduler.store.tables import Playbook, new_id

    first = runtime.playbooks.create(org_id, listener_spec(f"{org_id} listener 0"))
    if count == 1:
        return
    pb, ls = Playbook.__table__, EventListener.__table__
    with runtime.engine.begin() as conn:
        base = conn.execute(select(pb).where(pb.c.id == first.id)).one()._asdict()
        row = conn.execute(select(ls).where(ls.c.playbook_id == first.id)).one()._asdict()
        del row["id"]
        ids = [new_id("pb") for _ in range(count - 1)]
        conn.execute(insert(pb), [{**base, "id": i, "name": f"{org_id} listener {n}"} for n, i in enumerate(ids, 1)])
        conn.execute(insert(ls), [{**row, "playbook_id": i} for i in ids])


def measure(home: str, k: int, reps: int, warmup: int = 5) -> dict[str, Any]:
    """Seconds per crossing write with K listeners (and 1,000 in another org), and raw commits in the same process."""
    from sqlalchemy import update
    from sqlmodel import Session

    from scheduler.events.bus import EventBus
    from scheduler.runs.start import RunStarter
    from scheduler.services.shop import ShopService
    from scheduler.store.tables import Organization, Product, User

    runtime = build(Path(home))
    seed_org(runtime.engine)
    with Session(runtime.engine) as session:
        session.add(Organization(id="elsewhere", name="Elsewhere", timezone="UTC"))
        session.add(User(org_id="elsewhere", email="owner@elsewhere.example"))
        item = Product(org_id=ORG, name="Bench Gummies", price=10.0, quantity=50, reorder_point=10)
        other = Product(org_id=ORG, name="Bench Baseline", price=10.0, quantity=50, reorder_point=0)
        session.add_all([item, other])
        session.commit()
        item_id, other_id = item.id, other.id
    seed_listeners(runtime, "elsewhere", OTHERS)
    seed_listeners(runtime, ORG, k)
    filed: list[str] = []
    starter = RunStarter(runtime.engine, filed.append, clock=runtime.clock, dispatch_many=filed.extend)
    shop = ShopService(EventBus(runtime.engine, starter, runtime.clock), runtime.clock)
    plain = update(Product.__table__).where(Product.__table__.c.id == other_id)
    seconds, commits, runs = [], [], []
    for rep in range(warmup + reps):
        t0 = time.perf_counter()
        with runtime.engine.begin() as conn:  # the baseline: one single-row commit, same store
            conn.execute(plain.values(quantity=rep))
        base = time.perf_counter() - t0
        before = len(filed)
        t0 = time.perf_counter()
        written = shop.set_stock(ORG, item_id, 5)  # crosses below: one low_stock event, K runs
        elapsed = time.perf_counter() - t0
        shop.set_stock(ORG, item_id, 50)  # back over (restocked: nobody listens), untimed
        if rep >= warmup:
            seconds.append(elapsed)
            commits.append(base)
            runs.append(len(filed) - before)
        assert [e.name for e in written.events] == ["inventory.low_stock"], written.events
    runtime.engine.dispose()
    return {"seconds": seconds, "commits": commits, "runs_per_write": sorted(set(runs)),
            "raw": raw_commits(Path(home) / "raw.db", reps)}


def run(cfg: Config) -> list[Row]:
    """One row per K: p50 and p99 of the write, beside p50 and p99 of one raw commit measured in the same child."""
    ks = cfg.pick([1, 10, 100], [1, 10, 100], tiny=[1, 10])
    reps = cfg.pick(60, 300, tiny=5)
    rows = []
    for k in ks:
        label = f"inventory write + event to {k} playbooks ({OTHERS:,} in another org)"
        target = TARGETS[k]
        home = fresh_dir(cfg.workdir / f"{NAME}-{k}")
        try:
            result = in_child("bench_events:measure", {"home": str(home), "k": k, "reps": reps}, cfg.cap(180), cfg.workdir)
        except TimedOut as exc:
            rows.append(timed_out_row(NAME, label, target, exc.cap, "-", {}))
            continue
        except ChildFailed as exc:
            rows.append(failed_row(NAME, label, target, str(exc)))
            continue
        p50, p99 = percentile(result["seconds"], 50), percentile(result["seconds"], 99)
        b50, b99 = percentile(result["commits"], 50), percentile(result["commits"], 99)
        raw50 = percentile(result["raw"], 50)
        met = (p50 <= b50 + 1e-3) if k == 1 else (p99 <= 20e-3)
        rows.append(Row(
            NAME, label, f"p50 {ms(p50)}, p99 {ms(p99)}", f"single-row commit p50 {ms(b50)}, p99 {ms(b99)}",
            ratio(p50, b50), target,
            figures={"p50_seconds": p50, "p99_seconds": p99, "k": k, "others": OTHERS, "repetitions": len(result["seconds"]),
                     "runs_per_write": result["runs_per_write"], "p99_ratio": ratio(p99, b99), "target_met": met},
            baseline_figures={"p50_seconds": b50, "p99_seconds": b99, "raw_sqlite3_commit_p50_seconds": raw50},
            note=(f"K={k}: p50 over the commit {ms(p50 - b50)}, p99 ratio {ratio(p99, b99) or 0:.1f}x, "
                  f"{result['runs_per_write']} runs filed per write, raw sqlite3 commit p50 {ms(raw50)}; "
                  f"target {'met' if met else 'MISSED'}"),
        ))
    return rows
