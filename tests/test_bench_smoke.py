"""The bench package imports and its cheapest row runs at a tiny size, giving a ratio (timings are not checked)."""
from __future__ import annotations

from bench import step
from bench.__main__ import ROWS, table
from bench.common import Config, percentile
from bench.concurrent_runs import kendall_tau


def test_step_row_runs_at_a_tiny_size_and_gives_a_ratio(tmp_path):
    # A generous cap: this checks the plumbing (child process, engine, counters), not the speed.
    rows = step.run(Config(quick=True, tiny=True, workdir=tmp_path, cap_scale=10))

    assert [r.name for r in rows] == ["step"]
    row = rows[0]
    assert row.status == "ok", row.status
    assert row.ratio is not None and row.ratio > 0
    assert row.figures["statuses"] == ["completed"]
    # A step stores its result: at least one commit and one statement, whatever the engine's design.
    assert row.figures["step"]["commits"] >= 1 and row.figures["step"]["statements"] >= 1
    assert "raw sqlite3 commit" in row.baseline
    assert row.workload in table(rows)


def test_every_row_of_the_table_has_a_module():
    import importlib

    for module in ROWS.values():
        assert callable(importlib.import_module(module).run)


def test_completion_order_and_percentiles():
    assert kendall_tau([0, 1, 2, 3]) == 1.0
    assert kendall_tau([3, 2, 1, 0]) == -1.0
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50) == 5
    assert percentile(list(range(1, 101)), 99) == 99
