"""Row: GET /api/playbooks/{id} with 32 connections against a bare FastAPI GET doing one select."""
from __future__ import annotations

from bench.baseline_app import SEEDED
from bench.common import Config, Row, failed_row, fresh_dir, ms, ratio
from bench.serve import measure_pair, prepare_store

NAME = "get_load"
WORKLOAD = "GET /api/playbooks/{id}, 32 connections"
TARGET = ">= 0.75x the baseline's req/s"


def run(cfg: Config) -> list[Row]:
    """Throughput and latency of reading one playbook (auth, read, next run time)."""
    home = fresh_dir(cfg.workdir / NAME)
    try:
        playbook_id, token = prepare_store(home)
        fig = measure_pair(
            cfg, home,
            {"path": f"/api/playbooks/{playbook_id}", "method": "GET", "headers": {"Authorization": f"Bearer {token}"}},
            {"path": f"/items/{SEEDED}", "method": "GET"},
        )
    except Exception as exc:  # noqa: BLE001 - a server that would not start is a failed row, not a crashed bench
        return [failed_row(NAME, WORKLOAD, TARGET, f"{exc.__class__.__name__}: {exc}")]
    ours, base = fig["playbooks"], fig["baseline"]
    return [Row(NAME, WORKLOAD, f"{ours['rps']:.0f} req/s, p50 {ms(ours['p50'])}, p99 {ms(ours['p99'])}",
                f"FastAPI GET with one select: {base['rps']:.0f} req/s, p99 {ms(base['p99'])}",
                ratio(ours["rps"], base["rps"]), TARGET, figures=ours, baseline_figures=base,
                note=f"{ours['tool']}, {ours['repetitions']} x {ours['seconds']} s; errors: ours {ours['errors']}, "
                     f"baseline {base['errors']}; server loop lag p99 {ms(ours['lag_p99'])} vs {ms(base['lag_p99'])}")]
