"""Every registered step type keeps the Step contract and really runs on the embedded default."""
from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlmodel import Session, select

from agents.delegate import PersonaDelegate
from agents.models import model_factory
from scheduler.runs.history import get_execution
from scheduler.steps.base import Step, StepOutput, StepParams
from scheduler.steps.registry import StepRegistry, default_registry
from scheduler.store.tables import Notification, SideEffect
from tests.conftest import run_now, running, until
from tests.scheduler.delivery_helpers import connect_example_receivers

REGISTRY = default_registry()


def test_names_are_unique():
    registry = StepRegistry()
    step = REGISTRY.get("notify")
    registry.register(step)
    with pytest.raises(ValueError, match="registered twice"):
        registry.register(step)


@pytest.mark.parametrize("name", REGISTRY.names())
def test_step_declares_its_models(name):
    step = REGISTRY.get(name)
    assert isinstance(step, Step) and step.name == name
    assert issubclass(step.Params, StepParams) and issubclass(step.Output, StepOutput)
    step.Params.model_validate(step.example)
    with pytest.raises(ValidationError):
        step.Params.model_validate({**step.example, "no_such_param": 1})
    assert step.__doc__ and step.timeout_seconds > 0 and step.max_attempts >= 1


@pytest.mark.parametrize("name", REGISTRY.names())
async def test_step_runs_for_real_and_side_effects_happen_once(settings, web, name):
    settings = settings.model_copy(update={"allow_loopback_fetch": True})  # the example site is on loopback
    async with running(settings) as runtime:
        step = REGISTRY.get(name)
        await connect_example_receivers(runtime, web)  # post_slack and post_webhook post only where the org configured
        runtime.use_delegate(PersonaDelegate(model_factory(settings), runtime))  # as the app does (delegate)
        runtime.playbooks.create("demo", {  # what run_playbook's example starts
            "name": "Contract target", "agent": "pops", "triggers": [{"type": "manual"}],
            "steps": [{"action": "notify", "params": {"title": "target"}}]})
        playbook = runtime.playbooks.create("demo", {
            "name": f"Contract {name}", "agent": "pops", "triggers": [{"type": "manual"}],
            "steps": [{"action": name, "params": web.localise(step.example)}],
        })
        run_id = await run_now(runtime, playbook, "contract")
        run = get_execution(runtime.engine, "demo", run_id)
        if run["status"] == "waiting_approval":  # request_approval: the owner answers, the run goes on
            pending, _ = await runtime.executor.store.approvals.list("demo", "pending")
            for approval in pending:
                runtime.approvals.decide("demo", approval.id, "approve")
            runtime.dispatcher.dispatch(run_id)
            await runtime.dispatcher.drain()
            run = get_execution(runtime.engine, "demo", run_id)
        if run["status"] == "waiting":  # wait: parked in the ledger; the wake bell queues it again
            await until(lambda: get_execution(runtime.engine, "demo", run_id)["status"] == "completed")
            run = get_execution(runtime.engine, "demo", run_id)
        assert run["status"] == "completed", run
        output = run["stepResults"][0]["output"]
        step.Output.model_validate(output)
        assert output["summary"]
        with Session(runtime.engine) as session:
            effects = session.exec(select(SideEffect).where(SideEffect.key == f"{run_id}:0")).all()
            assert len(effects) == (1 if step.side_effect else 0)
            if name == "notify":
                assert len(session.exec(select(Notification)).all()) == 1
        if name == "send_email":
            assert len(list((settings.home / "outbox").glob("*.eml"))) == 1
        if name == "send_sms":
            assert len(list((settings.home / "sms").glob("*.json"))) == 1
        if name == "save_to_drive":
            assert (settings.home / "drive" / "demo" / "Reports" / "contract.txt").read_text() == "Hello"
        if name in ("post_slack", "post_webhook"):
            assert len(web.posted(f"/{name.removeprefix('post_')}")) == 1
