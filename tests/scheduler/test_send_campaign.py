"""send_campaign: an approved draft emailed to its audience (the .eml outbox), each customer once across runs, capped a run."""
from __future__ import annotations

import email
from email import policy

from sqlmodel import Session, select

from scheduler.runs.history import get_execution
from scheduler.store.action_tables import Draft
from scheduler.store.tables import Customer
from tests.conftest import run_now, running

DRAFT = {"name": "VIP draft", "agent": "craig", "triggers": [{"type": "manual"}],
         "steps": [{"action": "create_campaign_draft",
                    "params": {"brief": "Early access to our new pre-roll line for our best customers", "segment": "vip",
                               "require_approval": True}}]}


def send(runtime, key: str, **params):
    return runtime.playbooks.create("demo", {"name": f"Send {key}", "agent": "craig", "triggers": [{"type": "manual"}],
                                             "steps": [{"action": "send_campaign", "params": params}]})


async def run(runtime, playbook, key: str) -> dict:
    return get_execution(runtime.engine, "demo", await run_now(runtime, playbook, key))


def outbox(settings) -> dict[str, str]:
    """Message file -> its To address."""
    found = {}
    for path in sorted((settings.home / "outbox").glob("*.eml")):
        found[path.name] = email.message_from_bytes(path.read_bytes(), policy=policy.default)["To"]
    return found


async def approved_draft(runtime) -> Draft:
    waiting = await run(runtime, runtime.playbooks.create("demo", DRAFT), "draft")
    assert waiting["status"] == "waiting_approval", waiting
    pending, _ = await runtime.executor.store.approvals.list("demo", "pending")
    decided = runtime.approvals.decide("demo", pending[0].id, "approve", by="owner")
    runtime.dispatcher.dispatch(decided.resumed)
    await runtime.dispatcher.drain()
    (draft,) = await runtime.executor.store.drafts.list("demo", "campaign")
    assert draft.data["status"] == "approved"
    return draft


async def test_an_approved_draft_reaches_each_customer_with_an_email_once_over_capped_runs(store_settings):
    settings = store_settings
    async with running(settings) as runtime:
        nothing = await run(runtime, send(runtime, "early"), "early")  # no approved draft yet
        draft = await approved_draft(runtime)
        with Session(runtime.engine) as session:
            customers = {c.id: c for c in session.exec(select(Customer).where(Customer.org_id == "demo"))}
        audience = draft.data["audience"]["customer_ids"]
        reachable = [customers[i].email for i in audience if customers[i].email]
        assert len(reachable) > 3
        capped = send(runtime, "capped", max_recipients=3)
        first = await run(runtime, capped, "first")
        second = await run(runtime, send(runtime, "rest", draft_id=draft.id), "second")
        again = await run(runtime, capped, "again")
    assert nothing["status"] == "completed" and nothing["stepResults"][0]["output"]["sent"] == 0
    assert nothing["stepResults"][0]["output"]["summary"] == "No approved email campaign draft to send."
    out1, out2, out3 = (r["stepResults"][0]["output"] for r in (first, second, again))
    assert (out1["sent"], out1["already_sent"], out1["remaining"]) == (3, 0, len(reachable) - 3)
    assert (out2["sent"], out2["already_sent"], out2["remaining"]) == (len(reachable) - 3, 3, 0)
    assert (out3["sent"], out3["already_sent"], out3["remaining"]) == (0, len(reachable), 0)
    assert out1["audience"] == len(audience) and out1["with_email"] == len(reachable) and out1["draft_id"] == draft.id
    sent = outbox(settings)
    assert sorted(sent.values()) == sorted(reachable)  # every reachable customer once, nobody else, nobody twice
    assert all(name.startswith(f"campaign-{draft.id}-") for name in sent)
    message = email.message_from_bytes(next((settings.home / "outbox").glob("*.eml")).read_bytes(), policy=policy.default)
    assert message["Subject"] == draft.title and message.get_content().strip() == draft.body.strip()
    assert f"emailed 3 customer(s), {len(reachable) - 3} left for the next run" in out1["summary"]


async def test_a_draft_not_approved_or_failing_the_rules_is_refused(settings):
    async with running(settings) as runtime:
        waiting = await run(runtime, runtime.playbooks.create("demo", DRAFT), "draft")
        assert waiting["status"] == "waiting_approval"
        (pending,) = await runtime.executor.store.drafts.list("demo", "campaign")
        with Session(runtime.engine) as session:  # approved, but its words break a rule (the rules may have changed)
            bad = Draft(org_id="demo", kind="campaign", title="Miracle", body="Our gummies cure anxiety. 21+ only.",
                        data={**pending.data, "status": "approved"})
            session.add(bad)
            session.commit()
            bad_id = bad.id
        unapproved = await run(runtime, send(runtime, "pending", draft_id=pending.id), "pending")
        flagged = await run(runtime, send(runtime, "bad", draft_id=bad_id), "bad")
        unknown = await run(runtime, send(runtime, "unknown", draft_id="drf_nope"), "unknown")
    assert unapproved["status"] == "failed" and "the draft is pending_approval; it needs an approval first" in (
        unapproved["stepResults"][0]["error"])
    assert flagged["status"] == "failed" and "fails the compliance check" in flagged["stepResults"][0]["error"]
    assert unknown["status"] == "failed" and "no campaign draft 'drf_nope'" in unknown["stepResults"][0]["error"]
    assert not (settings.home / "outbox").exists() or not list((settings.home / "outbox").glob("*.eml"))
