"""Hand-offs between personas: `transfer_to_<persona>` tools from one factory, `data-delegation` parts, a depth cap.

The offline model hands a request that is clearly a colleague's over (tested
through the real server and stream); a scripted model drives the chains the
offline model never makes, through the real graph and translator.
"""
from __future__ import annotations

import json
from typing import Any

import httpx

from agents.graph import build_graph
from agents.handoffs import MAX_HANDOFFS, handoff_tools
from api.stream.chat import chat_parts
from scheduler.auth.tokens import Principal, issue_session_token
from scheduler.catalog import PERSONAS
from tests.conftest import auth, running
from tests.fakes.chat_model import ScriptedChatModel, call
from tests.fakes.live import LiveServer
from tests.fakes.ui_client import user

OWNER = Principal(kind="user", org_id="demo", user_id=None)
PRICE_WATCH = "I want to track our top 3 competitors' prices every morning and get an email if they undercut us by more than 10%"


def post(server: LiveServer, text: str, agent: str | None) -> list[dict[str, Any]]:
    token = issue_session_token(server.runtime.engine, "demo", "owner@example.com")
    body = {"id": "t1", "messages": [user(text)], **({"agent": agent} if agent else {})}
    with httpx.stream("POST", f"{server.url}/api/chat", json=body, headers=auth(token), timeout=60) as r:
        assert r.status_code == 200
        return [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: {")]


def of(parts: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [p for p in parts if p["type"] == kind]


def test_one_factory_makes_a_transfer_tool_per_persona():
    tools = handoff_tools()
    assert sorted(tools) == sorted(PERSONAS)
    for persona, t in tools.items():
        assert t.name == f"transfer_to_{persona}" and PERSONAS[persona].name in t.description
        assert set(t.args) == {"reason"}


def test_a_request_for_a_colleague_is_handed_over_in_the_stream(settings):
    with LiveServer(settings) as server:
        parts = post(server, PRICE_WATCH, agent="craig")
        stored = server.runtime.playbooks.list("demo")[0]

    (delegation,) = of(parts, "data-delegation")
    assert delegation["data"] == {"kind": "delegation", "fromAgent": "craig", "toAgent": "money_mike", "toName": "Money Mike",
                                  "reason": delegation["data"]["reason"], "depth": 1}
    calls = [p["toolName"] for p in of(parts, "tool-input-available")]
    assert calls == ["transfer_to_money_mike", "create_playbook"]
    # The delegation shows right after the transfer call's output, before Money Mike's work.
    kinds = [p["type"] for p in parts]
    assert kinds.index("data-delegation") < kinds.index("data-playbook")
    assert [p.agent for p in stored] == ["money_mike"] and len(stored) == 1


def test_the_persona_asked_keeps_what_is_its_own(settings):
    with LiveServer(settings) as server:
        parts = post(server, "Every day at 9am email me a sales report", agent="pops")
    assert not of(parts, "data-delegation")
    assert [p["toolName"] for p in of(parts, "tool-input-available")] == ["create_playbook"]


def test_a_request_with_words_of_the_asked_persona_stays_with_it(settings):
    # Craig is asked and "customers" is his word: he keeps it, though "prices" would route to Money Mike.
    with LiveServer(settings) as server:
        parts = post(server, "Every Monday email me which customers bought when prices dropped", agent="craig")
    assert not of(parts, "data-delegation")


async def test_a_chain_of_hand_offs_stops_at_the_depth_cap(settings):
    assert MAX_HANDOFFS == 2
    model = ScriptedChatModel(script=[
        [call("transfer_to_ezal", "h1", reason="competitors")],
        [call("transfer_to_money_mike", "h2", reason="prices")],
        # Past the cap the transfer tools are no longer offered; a call anyway is refused, and the persona answers.
        [call("transfer_to_pops", "h3", reason="again")],
        ["I'll handle it myself."],
    ])
    graph = build_graph(lambda persona, ctx: model)
    async with running(settings) as runtime:
        parts = [p async for p in chat_parts(graph, runtime, OWNER, [user("hello")], "craig")]

    assert [(p["data"]["fromAgent"], p["data"]["toAgent"], p["data"]["depth"]) for p in of(parts, "data-delegation")] == [
        ("craig", "ezal", 1), ("ezal", "money_mike", 2)]
    (refused,) = of(parts, "tool-output-error")
    assert refused["toolCallId"] == "h3" and "handed on 2 times already" in refused["errorText"]
    offered = [sorted(t for t in names if t.startswith("transfer_to_")) for names in model.tools_bound]
    assert offered[0] == ["transfer_to_ezal", "transfer_to_money_mike", "transfer_to_pops"]
    assert offered[1] == ["transfer_to_craig", "transfer_to_money_mike", "transfer_to_pops"]
    assert offered[2] == offered[3] == []
    # Each persona answered with its own prompt; the last word is Money Mike's.
    prompts = [m[0].content for m in model.seen]
    assert "Craig" in prompts[0] and "Ezal" in prompts[1] and "Money Mike" in prompts[2]
    assert "".join(p["delta"] for p in of(parts, "text-delta")) == "I'll handle it myself."
    assert model.finished


async def test_a_persona_cannot_hand_over_to_itself(settings):
    model = ScriptedChatModel(script=[[call("transfer_to_pops", "self", reason="me")], ["Fine, me."]])
    graph = build_graph(lambda persona, ctx: model)
    async with running(settings) as runtime:
        parts = [p async for p in chat_parts(graph, runtime, OWNER, [user("hello")], "pops")]
    (refused,) = of(parts, "tool-output-error")
    assert "you are Pops already" in refused["errorText"] and not of(parts, "data-delegation")
