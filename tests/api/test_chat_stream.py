"""The chat graph and the stream translator, driven by a scripted model: the paths the offline model never takes.

Real graph, real tools, real store (SQLite, demo org), real translator; only the
chat model is scripted (tests/fakes/chat_model.py), handed in as a model factory.
"""
from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import SystemMessage, ToolMessage

from agents.graph import build_graph
from api.stream.chat import chat_parts
from cli.chat import run_chat
from scheduler.auth.tokens import Principal
from tests.conftest import running, sales_report_spec
from tests.fakes.chat_model import ScriptedChatModel, call
from tests.fakes.ui_client import user
from tools.artifacts import PlaybookArtifact, PlaybookListArtifact
from tools.context import ChatContext

OWNER = Principal(kind="user", org_id="demo", user_id=None)


async def turn(settings, model: ScriptedChatModel, text: str, persona: str | None = "pops") -> tuple[list[dict[str, Any]], list, list]:
    """One chat turn through the real graph and translator: its parts, the contexts the factory saw, the stored playbooks."""
    contexts: list[tuple[str, ChatContext]] = []

    def factory(name: str, ctx: ChatContext) -> ScriptedChatModel:
        contexts.append((name, ctx))
        return model

    graph = build_graph(factory)
    async with running(settings) as runtime:
        parts = [p async for p in chat_parts(graph, runtime, OWNER, [user(text)], persona)]
        stored = runtime.playbooks.list("demo")[0]
    assert model.finished, "the graph did not use every scripted turn"
    return parts, contexts, stored


def types(parts: list[dict[str, Any]]) -> list[str]:
    """Part types with runs of deltas folded to one, so the shape reads at a glance."""
    out: list[str] = []
    for p in parts:
        if not (p["type"].endswith("-delta") and out and out[-1] == p["type"]):
            out.append(p["type"])
    return out


def of(parts, kind, call_id=None):
    """The parts of one type (and of one tool call, if given)."""
    return [p for p in parts if p["type"] == kind and (call_id is None or p.get("toolCallId") == call_id)]


async def test_several_tool_calls_in_one_message_stream_each_under_its_own_id(settings):
    second = sales_report_spec("0 18 * * *", name="Evening Sales Report")
    model = ScriptedChatModel(script=[
        ["Setting up both. ", call("create_playbook", "c1", playbook=sales_report_spec()),
         call("create_playbook", "c2", playbook=second)],
        ["Both are scheduled."],
    ])
    parts, _, stored = await turn(settings, model, "two reports please")

    assert types(parts) == [
        "start", "start-step", "text-start", "text-delta", "text-end",
        "tool-input-start", "tool-input-delta", "tool-input-start", "tool-input-delta",
        "tool-input-available", "tool-input-available",
        "tool-output-available", "data-playbook", "tool-output-available", "data-playbook",
        "finish-step", "start-step", "text-start", "text-delta", "text-end", "finish-step", "finish",
    ]
    for call_id, spec in (("c1", sales_report_spec()), ("c2", second)):
        streamed = "".join(p["inputTextDelta"] for p in of(parts, "tool-input-delta", call_id))
        assert json.loads(streamed) == {"playbook": spec}
        assert of(parts, "tool-input-available", call_id)[0]["input"] == {"playbook": spec}
        output = of(parts, "tool-output-available", call_id)[0]["output"]
        assert output["kind"] == "playbook" and output["created"] is True and output["playbook"]["name"] == spec["name"]
    shown = [p["data"]["name"] for p in of(parts, "data-playbook")]
    assert shown == ["Daily Sales Report", "Evening Sales Report"]
    assert [p["id"] for p in of(parts, "data-playbook")] == [p["data"]["id"] for p in of(parts, "data-playbook")]
    assert sorted(p.name for p in stored) == ["Daily Sales Report", "Evening Sales Report"]
    text = "".join(p["delta"] for p in of(parts, "text-delta"))
    assert text == "Setting up both. Both are scheduled."


async def test_a_failing_tool_is_an_error_part_next_to_the_calls_that_worked(settings):
    model = ScriptedChatModel(script=[
        [call("delete_playbook", "bad", name="nothing by this name"), call("list_playbooks", "ok")],
        ["One of those did not work."],
    ])
    parts, _, _ = await turn(settings, model, "tidy up")

    (error,) = of(parts, "tool-output-error")
    assert error["toolCallId"] == "bad" and "nothing by this name" in error["errorText"]
    (listing,) = of(parts, "tool-output-available")
    assert listing["toolCallId"] == "ok" and listing["output"] == {"kind": "playbooks", "playbooks": []}
    assert not [p for p in parts if p["type"].startswith("data-")]
    # The model was told about the error as a tool message, and got the listing's artifact.
    answers = [m for m in model.seen[1] if isinstance(m, ToolMessage)]
    assert [(m.tool_call_id, m.status) for m in answers] == [("bad", "error"), ("ok", "success")]
    assert isinstance(answers[1].artifact, PlaybookListArtifact)


async def test_text_before_between_and_after_calls_opens_a_text_block_each_time(settings):
    model = ScriptedChatModel(script=[
        ["Let me look", call("list_playbooks", "l1"), "and also", call("list_playbooks", "l2"), "then decide."],
        ["Nothing there yet."],
    ])
    parts, _, _ = await turn(settings, model, "what do I have")

    first_step = types(parts)[: types(parts).index("finish-step")]
    assert first_step == [
        "start", "start-step", "text-start", "text-delta", "text-end",
        "tool-input-start", "tool-input-delta",
        "text-start", "text-delta", "text-end",
        "tool-input-start", "tool-input-delta",
        "text-start", "text-delta", "text-end",
        "tool-input-available", "tool-input-available",
        "tool-output-available", "tool-output-available",
    ]
    # Every text block that opened was closed, under its own id.
    starts, ends = of(parts, "text-start"), of(parts, "text-end")
    assert [p["id"] for p in starts] == [p["id"] for p in ends] and len({p["id"] for p in starts}) == 4


async def test_a_model_that_does_not_stream_still_shows_its_text_and_calls(settings):
    model = ScriptedChatModel(disable_streaming=True, script=[
        ["On it.", call("create_playbook", "c1", playbook=sales_report_spec())],
        ["Done."],
    ])
    parts, _, stored = await turn(settings, model, "a report")

    assert not of(parts, "tool-input-delta") and not of(parts, "tool-input-start")
    assert of(parts, "tool-input-available", "c1")[0]["input"] == {"playbook": sales_report_spec()}
    assert [p["delta"] for p in of(parts, "text-delta")] == ["On it.", "Done."]
    assert [p.name for p in stored] == ["Daily Sales Report"]


async def test_the_turn_context_reaches_the_model_factory_the_prompt_and_the_tools(settings):
    model = ScriptedChatModel(script=[[call("create_playbook", "c1", playbook=sales_report_spec())], ["ok"]])
    parts, contexts, stored = await turn(settings, model, "a report", persona=None)

    personas = {name for name, _ in contexts}
    assert personas == {"pops"}  # the router chose, and the factory was asked per model call
    ctx = contexts[0][1]
    assert (ctx.org_id, ctx.org_zone, ctx.agent) == ("demo", "America/New_York", None) and ctx.now is not None
    system = model.seen[0][0]
    assert isinstance(system, SystemMessage) and "America/New_York" in system.content
    answer = next(m for m in model.seen[1] if isinstance(m, ToolMessage))
    assert isinstance(answer.artifact, PlaybookArtifact) and answer.artifact.playbook.id == stored[0].id
    # The model reads the content made from that same artifact.
    assert json.loads(answer.content) == answer.artifact.output() == of(parts, "tool-output-available")[0]["output"]


async def test_a_script_that_runs_out_fails_the_turn(settings):
    model = ScriptedChatModel(script=[[call("list_playbooks", "l1")]])
    with pytest.raises(AssertionError, match="was not scripted"):
        await turn(settings, model, "what do I have")


async def test_the_terminal_chat_takes_a_model_factory(settings, capsys):
    async with running(settings):
        pass  # seeds the demo organisation
    model = ScriptedChatModel(script=[["Looking. ", call("list_playbooks", "l1")], ["None yet."]])
    await run_chat(settings, "demo", "owner@example.com", None, "what do I have", model_factory=lambda persona, ctx: model)
    out = capsys.readouterr().out
    assert out == "Looking. [tool] list_playbooks({})\nNone yet.\n" and model.finished
