"""Control steps on a real SQLite file: wait across restarts, child runs, for_each, branch."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from scheduler.domain.clock import Clock
from scheduler.runs.history import get_execution
from scheduler.runtime import Runtime
from scheduler.store.tables import Execution, Notification, Organization, SideEffect, StepRun, User
from tests.conftest import run_now, running, until


def _run(runtime: Runtime, run_id: str, org: str = "demo") -> dict:
    return get_execution(runtime.engine, org, run_id)


def _row(runtime: Runtime, run_id: str) -> Execution:
    with Session(runtime.engine) as session:
        return session.get(Execution, run_id)


def _notes(runtime: Runtime, title: str) -> list[Notification]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(Notification).where(Notification.title == title)))


def _playbook(runtime: Runtime, name: str, steps: list[dict], org: str = "demo"):
    return runtime.playbooks.create(org, {"name": name, "agent": "pops", "triggers": [{"type": "manual"}], "steps": steps})


def _note(title: str, message: str = "hello") -> dict:
    return {"action": "notify", "params": {"title": title, "message": message}}


async def _stopped(runtime: Runtime) -> None:
    await runtime.stop()


# ---- wait -----------------------------------------------------------------------------------------------


async def test_a_wait_parks_the_run_and_a_new_process_resumes_it_once_the_clock_passes(settings):
    first = Runtime.build(settings, demo=True)
    await first.start()
    playbook = _playbook(first, "Wait then notify",
                         [_note("before"), {"action": "wait", "params": {"minutes": 10}}, _note("after")])
    run_id = await run_now(first, playbook, "wait-restart")
    parked = _row(first, run_id)
    assert parked.status == "waiting" and parked.lease_owner is None
    assert timedelta(minutes=9) < parked.wake_at - first.clock.now() <= timedelta(minutes=10)
    assert [s["status"] for s in _run(first, run_id)["stepResults"]] == ["completed", "completed"]
    # Parked means parked: no task, no worker slot held for it.
    assert not first.dispatcher._tasks and first.dispatcher.pending == 0
    await first.stop()

    # Five minutes on, a new process leaves it asleep.
    early = Runtime.build(settings, clock=Clock(offset=timedelta(minutes=5)))
    await early.start()
    assert run_id not in early.sweep()
    await early.dispatcher.drain()
    assert _row(early, run_id).status == "waiting"
    await early.stop()

    # Past the instant, the next start wakes it and the step after the wait runs, once.
    later = Runtime.build(settings, clock=Clock(offset=timedelta(minutes=11)))
    await later.start()
    try:
        await until(lambda: _row(later, run_id).status == "completed")
        run = _run(later, run_id)
        assert [s["action"] for s in run["stepResults"]] == ["notify", "wait", "notify"]
        assert all(s["status"] == "completed" for s in run["stepResults"])
        assert len(_notes(later, "after")) == 1 and len(_notes(later, "before")) == 1
        assert _row(later, run_id).wake_at is None
    finally:
        await later.stop()
    again = Runtime.build(settings, clock=Clock(offset=timedelta(minutes=20)))
    await again.start()
    await again.dispatcher.drain()
    assert len(_notes(again, "after")) == 1
    await again.stop()


async def test_the_wake_bell_resumes_a_short_wait_in_the_same_process(settings):
    async with running(settings) as runtime:
        until_at = (runtime.clock.now() + timedelta(seconds=1)).isoformat()
        playbook = _playbook(runtime, "Short wait", [{"action": "wait", "params": {"until": until_at}}, _note("woke")])
        run_id = await run_now(runtime, playbook, "short")
        assert _row(runtime, run_id).status == "waiting"
        # The sweep runs every 30 s by default: only the bell can wake it this soon.
        await until(lambda: _row(runtime, run_id).status == "completed", timeout=15)
        assert len(_notes(runtime, "woke")) == 1


async def test_a_wait_until_a_passed_instant_goes_straight_on(settings):
    async with running(settings) as runtime:
        playbook = _playbook(runtime, "Past", [{"action": "wait", "params": {"until": "2020-01-01T00:00:00+00:00"}},
                                               _note("straight on")])
        run = _run(runtime, await run_now(runtime, playbook, "past"))
        assert run["status"] == "completed" and run["stepResults"][0]["output"]["seconds"] == 0
        assert len(_notes(runtime, "straight on")) == 1


async def test_a_wait_says_what_it_needs_on_save(settings):
    async with running(settings) as runtime:
        for params, words in (({}, "say how long"), ({"days": 31}, "at most 30 days"),
                              ({"minutes": 5, "until": "2030-01-01T00:00:00Z"}, "not both"),
                              ({"until": "2030-01-01T00:00:00"}, "timezone")):
            try:
                _playbook(runtime, "Bad wait", [{"action": "wait", "params": params}])
            except ValueError as exc:
                assert "steps[0].params" in str(exc) and words in str(exc).lower(), str(exc)
            else:
                raise AssertionError(f"saved a wait with {params}")


# ---- run_playbook ---------------------------------------------------------------------------------------


async def test_run_playbook_links_parent_and_child_and_waits_for_its_end(settings):
    async with running(settings) as runtime:
        _playbook(runtime, "Child report", [{"action": "notify", "params": {"title": "child", "message": "{{parent.input.note}}"}}])
        parent = _playbook(runtime, "Parent", [
            {"action": "run_playbook", "params": {"playbook": "Child report", "input": {"note": "from the parent"}, "wait": True}},
            {"action": "notify", "params": {"title": "parent", "message": "child {{run_playbook.status}}"}},
        ])
        run_id = await run_now(runtime, parent, "parent")
        await until(lambda: _row(runtime, run_id).status == "completed")
        step = _run(runtime, run_id)["stepResults"][0]["output"]
        child = _row(runtime, step["child_execution_id"])
        assert child.triggered_by == "playbook" and child.status == "completed"
        assert child.context["parent"]["execution_id"] == run_id and child.context["parent"]["depth"] == 1
        assert child.dedupe_key == f"parent:{run_id}:0"
        assert step["status"] == "completed" and step["waited"] and not step["timed_out"]
        assert [n.body for n in _notes(runtime, "child")] == ["from the parent"]
        assert [n.body for n in _notes(runtime, "parent")] == ["child completed"]


async def test_run_playbook_never_reaches_another_organisation(settings):
    async with running(settings) as runtime:
        with Session(runtime.engine) as session:
            session.add(Organization(id="other", name="Other shop", timezone="UTC"))
            session.add(User(org_id="other", email="boss@other.example"))
            session.commit()
        theirs = _playbook(runtime, "Their secret", [_note("theirs")], org="other")
        for ref in (theirs.id, "Their secret"):
            mine = _playbook(runtime, f"Reach over {ref}", [{"action": "run_playbook", "params": {"playbook": ref}}])
            run = _run(runtime, await run_now(runtime, mine, f"reach-{ref}"))
            assert run["status"] == "failed"
            assert "no playbook" in run["stepResults"][0]["error"] and "in this organisation" in run["stepResults"][0]["error"]
        with Session(runtime.engine) as session:
            assert session.exec(select(Execution).where(Execution.playbook_id == theirs.id)).all() == []
        assert _notes(runtime, "theirs") == []


async def test_run_playbook_refuses_a_cycle_and_a_chain_too_deep(settings):
    async with running(settings) as runtime:
        itself = _playbook(runtime, "Loop", [{"action": "run_playbook", "params": {"playbook": "Loop"}}])
        run = _run(runtime, await run_now(runtime, itself, "self"))
        assert run["status"] == "failed" and "cycle" in run["stepResults"][0]["error"]

        # A -> B -> A: B's step is refused, A (waiting for B) goes on with B's failure.
        _playbook(runtime, "B", [{"action": "run_playbook", "params": {"playbook": "A"}}])
        a = _playbook(runtime, "A", [{"action": "run_playbook", "params": {"playbook": "B", "wait": True}}])
        a_run = await run_now(runtime, a, "a")
        await until(lambda: _row(runtime, a_run).status == "completed")
        out = _run(runtime, a_run)["stepResults"][0]["output"]
        assert out["status"] == "failed" and "cycle" in out["error"]

        # Depth: L0 -> L1 -> L2 -> L3 is allowed; L3 starting L4 is refused.
        for level in range(4, -1, -1):
            steps = [_note(f"level {level}")] if level == 4 else [
                {"action": "run_playbook", "params": {"playbook": f"L{level + 1}"}}]
            top = _playbook(runtime, f"L{level}", steps)
        await run_now(runtime, top, "deep")
        with Session(runtime.engine) as session:
            await until(lambda: len(session.exec(select(Execution).where(Execution.triggered_by == "playbook",
                                                                        Execution.status == "failed")).all()) >= 2)
        deepest = [r for r in _all_runs(runtime) if r.context.get("parent", {}).get("depth") == 3]
        assert len(deepest) == 1 and deepest[0].status == "failed" and "at most 3 deep" in deepest[0].error
        assert _notes(runtime, "level 4") == []


def _all_runs(runtime: Runtime) -> list[Execution]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(Execution)))


# ---- for_each -------------------------------------------------------------------------------------------


async def test_for_each_runs_a_step_per_item_up_to_its_cap_and_collects_the_outputs(settings):
    async with running(settings) as runtime:
        playbook = _playbook(runtime, "Per seller", [
            {"action": "sales_report", "params": {"period": "last_30_days"}},
            {"action": "for_each", "params": {
                "items": "{{sales_report.top_products}}", "max_items": 2,
                "step": {"action": "notify", "params": {"title": "seller", "message": "#{{index}} {{item.name}}"}}}},
        ])
        run = _run(runtime, await run_now(runtime, playbook, "each"))
        assert run["status"] == "completed", run
        top = run["stepResults"][0]["output"]["top_products"]
        out = run["stepResults"][1]["output"]
        assert len(top) > 2 and out["count"] == 2 and out["left_out"] == len(top) - 2
        assert [r["index"] for r in out["results"]] == [0, 1] and out["completed_count"] == 2
        assert all(r["output"]["notification_id"] for r in out["results"])
        assert sorted(n.body for n in _notes(runtime, "seller")) == [f"#0 {top[0]['name']}", f"#1 {top[1]['name']}"]


async def test_for_each_mails_each_item_once_even_when_the_run_is_resumed(settings):
    async with running(settings) as runtime:
        playbook = _playbook(runtime, "Mail each", [{"action": "for_each", "params": {
            "items": ["a", "b", "c"],
            "step": {"action": "send_email", "params": {"to": "{{user.email}}", "subject": "Item {{item}}"}}}}])
        run_id = await run_now(runtime, playbook, "mail-each")
        assert _row(runtime, run_id).status == "completed"
        outbox = sorted(p.name for p in settings.outbox.glob("*.eml"))
        assert len(outbox) == 3
        with Session(runtime.engine) as session:
            keys = sorted(e.key for e in session.exec(select(SideEffect).where(SideEffect.key.startswith(run_id))))
            assert keys == [f"{run_id}:0:0", f"{run_id}:0:1", f"{run_id}:0:2"]
            # The crash point: every mail went out, but the for_each step's checkpoint never committed.
            step = session.exec(select(StepRun).where(StepRun.execution_id == run_id)).one()
            step.status, step.completed_at, step.output = "running", None, None
            row = session.get(Execution, run_id)
            row.status, row.completed_at = "queued", None
            session.add_all([step, row])
            session.commit()
        runtime.dispatcher.dispatch(run_id)
        await runtime.dispatcher.drain()
        assert _row(runtime, run_id).status == "completed"
        assert sorted(p.name for p in settings.outbox.glob("*.eml")) == outbox


async def test_for_each_starts_one_child_per_item_and_a_rerun_starts_none_again(settings):
    async with running(settings) as runtime:
        _playbook(runtime, "Per item", [{"action": "notify", "params": {"title": "per item", "message": "{{parent.input.sku}}"}}])
        playbook = _playbook(runtime, "Fan out", [{"action": "for_each", "params": {
            "items": [{"sku": "A1"}, {"sku": "B2"}, {"sku": 3}], "on_error": "continue",
            "step": {"action": "run_playbook", "params": {"playbook": "Per item", "input": {"sku": "{{item.sku}}"}},
                     "condition": "{{index}} < 2"}}}])
        run_id = await run_now(runtime, playbook, "fan")
        out = _run(runtime, run_id)["stepResults"][0]["output"]
        assert [r["status"] for r in out["results"]] == ["completed", "completed", "skipped"]
        children = [r["output"]["child_execution_id"] for r in out["results"][:2]]
        await until(lambda: all(_row(runtime, c).status == "completed" for c in children))
        assert [_row(runtime, c).dedupe_key for c in children] == [f"parent:{run_id}:0:0", f"parent:{run_id}:0:1"]
        assert sorted(n.body for n in _notes(runtime, "per item")) == ["A1", "B2"]
        # The for_each step again, as after a crash before its checkpoint: the same children, none new.
        with Session(runtime.engine) as session:
            step = session.exec(select(StepRun).where(StepRun.execution_id == run_id)).one()
            step.status, step.completed_at, step.output = "running", None, None
            row = session.get(Execution, run_id)
            row.status, row.completed_at = "queued", None
            session.add_all([step, row])
            session.commit()
        runtime.dispatcher.dispatch(run_id)
        await runtime.dispatcher.drain()
        again = _run(runtime, run_id)["stepResults"][0]["output"]
        assert [r["output"]["child_execution_id"] for r in again["results"][:2]] == children
        assert len(_notes(runtime, "per item")) == 2


async def test_for_each_refuses_nested_waits_and_unknown_names_on_save(settings):
    async with running(settings) as runtime:
        for step, words in (({"action": "wait", "params": {"minutes": 1}}, "steps[0].params.step.action"),
                            ({"action": "notify", "params": {"message": "{{itme.name}}"}}, "steps[0].params.step.params.message")):
            try:
                _playbook(runtime, "Bad each", [{"action": "for_each", "params": {"items": [1], "step": step}}])
            except ValueError as exc:
                assert words in str(exc), str(exc)
            else:
                raise AssertionError(f"saved {step}")


# ---- branch ---------------------------------------------------------------------------------------------


async def test_branch_takes_then_or_else_and_later_steps_read_what_ran(settings):
    async with running(settings) as runtime:
        for threshold, taken in ((0, "then"), (10 ** 9, "else")):
            playbook = _playbook(runtime, f"Branch {threshold}", [
                {"action": "sales_report", "params": {"period": "last_30_days"}},
                {"id": "pick", "action": "branch", "params": {
                    "if": f"{{{{sales_report.order_count}}}} > {threshold}",
                    "then": [_note(f"busy {threshold}", "{{sales_report.order_count}} orders")],
                    "else": [_note(f"quiet {threshold}")]}},
                {"action": "notify", "params": {"title": f"after {threshold}", "message": "{{pick.outputs.notify.summary}}"}},
            ])
            run = _run(runtime, await run_now(runtime, playbook, f"branch-{threshold}"))
            assert run["status"] == "completed", run
            out = run["stepResults"][1]["output"]
            assert out["taken"] == taken and "sales_report.order_count" in str(out["seen"])
            busy, quiet = _notes(runtime, f"busy {threshold}"), _notes(runtime, f"quiet {threshold}")
            assert (len(busy), len(quiet)) == ((1, 0) if taken == "then" else (0, 1))
            assert [n.body for n in _notes(runtime, f"after {threshold}")] == [
                f"Notified: {'busy' if taken == 'then' else 'quiet'} {threshold}"]


# ---- the same on PostgreSQL ------------------------------------------------------------------------------


async def test_on_postgresql_a_parent_waits_for_its_child_and_a_wait_outlives_a_restart(pg_settings):
    first = Runtime.build(pg_settings, demo=True)
    await first.start()
    _playbook(first, "PG child", [_note("pg child")])
    parent = _playbook(first, "PG parent", [
        {"action": "run_playbook", "params": {"playbook": "PG child", "wait": True}},
        {"action": "wait", "params": {"hours": 1}},
        _note("pg after"),
    ])
    run_id = await run_now(first, parent, "pg")
    # On PostgreSQL a child ending as its parent parks wakes the parent at the next sweep (30 s): wait past it.
    await until(lambda: (r := _row(first, run_id)).status == "waiting" and r.waits_for is None, timeout=60)
    assert _run(first, run_id)["stepResults"][0]["output"]["status"] == "completed"
    await first.stop()
    later = Runtime.build(pg_settings, clock=Clock(offset=timedelta(hours=1, minutes=1)))
    await later.start()
    try:
        await until(lambda: _row(later, run_id).status == "completed")
        assert len(_notes(later, "pg after")) == 1 and len(_notes(later, "pg child")) == 1
    finally:
        await later.stop()
