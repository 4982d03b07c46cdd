"""Rows: POST /api/playbooks/{id}/execute with 32 connections, and the loop lag under it, against a bare FastAPI insert."""
from __future__ import annotations

from bench.common import Config, Row, failed_row, fresh_dir, ms, ratio
from bench.serve import measure_pair, prepare_store

NAME = "execute_load"
WORKLOAD = "POST execute, 32 connections"
TARGET = ">= 0.75x the baseline's req/s, p99 <= 1.3x"


def run(cfg: Config) -> list[Row]:
    """Throughput and latency of execute (each call starts a one-step notify run), and the server's loop lag."""
    home = fresh_dir(cfg.workdir / NAME)
    try:
        playbook_id, token = prepare_store(home)
        fig = measure_pair(
            cfg, home,
            {"path": f"/api/playbooks/{playbook_id}/execute", "method": "POST",
             "headers": {"Authorization": f"Bearer {token}"}, "body": {"triggeredBy": "manual"}},
            {"path": "/items", "method": "POST", "body": {"triggeredBy": "manual"}},
        )
    except Exception as exc:  # noqa: BLE001 - a server that would not start is a failed row, not a crashed bench
        return [failed_row(NAME, WORKLOAD, TARGET, f"{exc.__class__.__name__}: {exc}")]
    ours, base = fig["playbooks"], fig["baseline"]
    note = (f"{ours['tool']}, {ours['repetitions']} x {ours['seconds']} s; each call opens a run of one notify step, "
            f"which the server executes meanwhile; errors: ours {ours['errors']}, baseline {base['errors']}; "
            f"p99 ratio {ratio(ours['p99'], base['p99']) or 0:.1f}x")
    return [
        Row(NAME, WORKLOAD, f"{ours['rps']:.0f} req/s, p50 {ms(ours['p50'])}, p99 {ms(ours['p99'])}",
            f"bare FastAPI + one SQLite insert: {base['rps']:.0f} req/s, p99 {ms(base['p99'])}",
            ratio(ours["rps"], base["rps"]), TARGET, figures=ours, baseline_figures=base, note=note),
        Row(NAME, "event-loop lag during the execute load",
            f"p50 {ms(ours['lag_p50'])}, p99 {ms(ours['lag_p99'])}, max {ms(ours['lag_max'])}",
            f"baseline server under its load: p99 {ms(base['lag_p99'])}", ratio(ours["lag_p99"], base["lag_p99"]),
            "p99 <= 50 ms", figures={}, baseline_figures={}),
    ]
