"""summarize, set and log: earlier outputs as bounded text, named values for later steps, a line in the run log."""
from __future__ import annotations

import logging

import pytest

from scheduler.services.validation import PlaybookInvalid
from tests.conftest import running
from tests.scheduler.test_marketing_steps import outputs, run_steps


async def test_set_values_are_read_by_later_conditions_and_templates(settings):
    async with running(settings) as runtime:
        run = await run_steps(runtime, [
            {"id": "vars", "action": "set", "params": {"values": {"threshold": 15, "who": "VIPs", "tiers": ["gold"]}}},
            {"action": "log", "params": {"message": "threshold {{vars.threshold}} for {{vars.who}}"}},
            {"action": "notify", "condition": "{{vars.threshold}} > 100", "params": {"message": "never"}},
            {"id": "later", "action": "set", "params": {"values": {"doubled": "{{vars.threshold * 2}}"}}},
        ])
        values, line, skipped, later = outputs(run)
        assert values["threshold"] == 15 and values["values"] == {"threshold": 15, "who": "VIPs", "tiers": ["gold"]}
        assert line["line"] == "threshold 15 for VIPs"
        assert run["stepResults"][2]["status"] == "skipped" and skipped is None
        assert str(later["doubled"]) == "30"


@pytest.mark.parametrize(("values", "problem"), [
    ({"summary": 1}, "value names must be identifiers"),
    ({"9lives": 1}, "value names must be identifiers"),
    ({}, "at least 1 item"),
    ({"big": "x" * 30_000}, "at most 20000"),
])
async def test_set_refuses_bad_names_and_sizes_when_saved(settings, values, problem):
    async with running(settings) as runtime:
        with pytest.raises(PlaybookInvalid, match=problem):
            runtime.playbooks.create("demo", {"name": "Bad set", "agent": "pops", "triggers": [{"type": "manual"}],
                                              "steps": [{"action": "set", "params": {"values": values}}]})


async def test_summarize_is_bounded_and_names_the_steps_it_drew_on(settings):
    async with running(settings) as runtime:
        run = await run_steps(runtime, [
            {"id": "lapsed", "action": "segment_customers", "params": {"segment": "lapsed"}},
            {"action": "loyalty_report"},
            {"id": "all", "action": "summarize", "params": {"title": "Customers"}},
            {"id": "one", "action": "summarize", "params": {"steps": ["loyalty_report"], "detail": True, "max_chars": 120}},
        ])
        segment, report, everything, short = outputs(run)
        assert everything["text"] == f"Customers\n{segment['summary']}\n{report['summary']}"
        assert not everything["truncated"] and everything["steps"] == []
        assert short["truncated"] and len(short["text"]) <= 120 and short["text"].endswith("…")
        assert short["text"].startswith("loyalty_report: Loyalty programme") and short["steps"] == ["loyalty_report"]


async def test_summarize_names_a_step_that_is_not_there(settings):
    async with running(settings) as runtime:
        run = await run_steps(runtime, [{"action": "summarize", "params": {"steps": ["nowhere"]}}])
        assert run["status"] == "failed"
        assert run["stepResults"][0]["error"] == "no earlier step is named 'nowhere'"


async def test_log_writes_one_line_whatever_the_message_holds(settings, caplog):
    async with running(settings) as runtime:
        with caplog.at_level(logging.INFO, logger="scheduler.runs.log"):
            run = await run_steps(runtime, [
                {"action": "loyalty_report"},
                {"action": "log", "params": {"message": "first\r\nFORGED entry\u2028more", "level": "warning"}},
                {"action": "log"},
            ])
        _, forged, digest = outputs(run)
        assert forged["line"] == "first FORGED entry more" and forged["level"] == "warning"
        assert digest["line"].startswith("Loyalty programme")
        records = [r for r in caplog.records if r.name == "scheduler.runs.log"]
        assert [r.levelno for r in records] == [logging.WARNING, logging.INFO]
        assert all("\n" not in r.getMessage() and run["id"] in r.getMessage() for r in records)
