"""The Claude path end to end: POST /api/chat -> graph -> langchain-anthropic -> the real client -> a fake Messages API.

The fake (tests/fakes/anthropic_api.py) serves the real SSE wire format on
loopback, reached through ANTHROPIC_BASE_URL; everything between it and the
HTTP client is the product's code and the real libraries.
"""
from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from scheduler.auth.tokens import issue_session_token
from scheduler.settings import Settings
from tests.conftest import CRON_SECRET, auth
from tests.fakes.anthropic_api import BreaksOff, Fails, FakeAnthropic, Overloaded, tool_use
from tests.fakes.live import LiveServer
from tools.schedule_words import WORDS_ONLY

KEY = "sk-ant-test-key"
STEPS = [{"action": "sales_report", "params": {"period": "yesterday"}},
         {"action": "send_email", "params": {"to": "{{user.email}}", "subject": "Your sales report"}}]
SPEC = {"name": "Weekday Sales Report", "agent": "pops", "category": "operations", "steps": STEPS}


def claude_settings(tmp_path, api: FakeAnthropic, **extra: Any) -> Settings:
    return Settings(PLAYBOOKS_HOME=tmp_path / "home", CRON_SECRET=CRON_SECRET, ANTHROPIC_API_KEY=KEY,
                    ANTHROPIC_BASE_URL=api.url, PLAYBOOKS_MODEL_FAST="claude-fast-test",
                    PLAYBOOKS_MODEL_STRONG="claude-strong-test", **extra)


def chat(server: LiveServer, text: str, chat_id: str = "thread-1", agent: str | None = None) -> tuple[int, list[dict], bool]:
    """POST /api/chat as the demo owner: status, parsed parts, whether [DONE] came."""
    token = issue_session_token(server.runtime.engine, "demo", "owner@example.com")
    body: dict[str, Any] = {"id": chat_id, "messages": [{"id": "u1", "role": "user", "parts": [{"type": "text", "text": text}]}]}
    if agent:
        body["agent"] = agent
    parts, done = [], False
    with httpx.stream("POST", f"{server.url}/api/chat", json=body, headers=auth(token), timeout=60) as r:
        status = r.status_code
        for line in r.iter_lines():
            if line == "data: [DONE]":
                done = True
            elif line.startswith("data: "):
                parts.append(json.loads(line[6:]))
    return status, parts, done


def text_of(parts: list[dict]) -> str:
    return "".join(p["delta"] for p in parts if p["type"] == "text-delta")


def of(parts: list[dict], kind: str) -> list[dict]:
    return [p for p in parts if p["type"] == kind]


def test_claude_creates_a_playbook_from_the_users_schedule_words(tmp_path):
    script = [
        ["I'll set that up. ", tool_use("create_playbook", playbook=SPEC, schedule="every weekday at 8:30am Pacific")],
        ["Done: Weekday Sales Report runs Monday to Friday at 8:30 AM Pacific."],
    ]
    with FakeAnthropic(script) as api, LiveServer(claude_settings(tmp_path, api)) as server:
        status, parts, done = chat(server, "Every weekday at 8:30am Pacific email me yesterday's sales report")
        stored = server.runtime.playbooks.list("demo")[0]

    assert status == 200 and done and parts[-1] == {"type": "finish", "finishReason": "stop",
                                                   "messageMetadata": {"persona": "pops"}}
    # The tool call streamed from input_json_delta events, then its result and the stored playbook.
    (call,) = of(parts, "tool-input-available")
    assert call["toolName"] == "create_playbook" and call["input"]["schedule"] == "every weekday at 8:30am Pacific"
    streamed = "".join(p["inputTextDelta"] for p in of(parts, "tool-input-delta") if p["toolCallId"] == call["toolCallId"])
    assert json.loads(streamed) == call["input"]
    (shown,) = of(parts, "data-playbook")
    # The cron came from the deterministic parser reading the words, not from the model.
    assert shown["data"]["triggers"] == [{"type": "schedule", "cron": "30 8 * * 1-5", "timezone": "America/Los_Angeles"}]
    assert [(p.name, p.status) for p in stored] == [("Weekday Sales Report", "active")]
    assert text_of(parts) == "I'll set that up. Done: Weekday Sales Report runs Monday to Friday at 8:30 AM Pacific."

    first, second = api.requests
    # Reading the request takes the strong model; wording the tool's result the fast one.
    assert (first["model"], second["model"]) == ("claude-strong-test", "claude-fast-test")
    assert first["stream"] is True and KEY in (api.headers[0].get("x-api-key"), api.headers[0].get("authorization", "")[7:])
    tools = {t["name"] for t in first["tools"]}
    assert {"create_playbook", "update_playbook", "list_playbooks", "heartbeat"} <= tools
    # Pops answers (sales words); the colleagues are reachable by hand-off, Pops itself is not.
    assert {"transfer_to_craig", "transfer_to_ezal", "transfer_to_money_mike"} <= tools and "transfer_to_pops" not in tools
    system = first["system"] if isinstance(first["system"], str) else " ".join(b["text"] for b in first["system"])
    assert "Never write cron" in system and "America/New_York" in system
    # The second request carries the tool_use and its tool_result, as the API requires.
    results = [b for m in second["messages"] for b in (m["content"] if isinstance(m["content"], list) else [])
               if isinstance(b, dict) and b.get("type") == "tool_result"]
    assert len(results) == 1 and "Weekday Sales Report" in json.dumps(results[0]["content"])


def test_cron_written_by_the_model_is_refused_and_it_passes_the_words_instead(tmp_path):
    cron_spec = {**SPEC, "triggers": [{"type": "schedule", "cron": "0 9 * * *", "timezone": "America/New_York"}]}
    script = [
        [tool_use("create_playbook", playbook=cron_spec)],
        [tool_use("create_playbook", playbook=SPEC, schedule="every day at 9am")],
        ["Scheduled for 9:00 AM every day."],
    ]
    with FakeAnthropic(script) as api, LiveServer(claude_settings(tmp_path, api)) as server:
        _, parts, _ = chat(server, "email me the sales report every day at 9am")
        stored = server.runtime.playbooks.list("demo")[0]

    (refused,) = of(parts, "tool-output-error")
    assert WORDS_ONLY in refused["errorText"]
    # Claude was told why, as an error tool_result.
    errors = [b for m in api.requests[1]["messages"] if isinstance(m["content"], list) for b in m["content"]
              if b.get("type") == "tool_result" and b.get("is_error")]
    assert len(errors) == 1 and "never written as cron" in json.dumps(errors[0])
    assert [(p.name, p.triggers) for p in stored] == [
        ("Weekday Sales Report", [{"type": "schedule", "cron": "0 9 * * *", "timezone": "America/New_York"}])]


def test_schedule_words_the_parser_cannot_read_go_back_to_the_model(tmp_path):
    script = [[tool_use("create_playbook", playbook=SPEC, schedule="whenever it feels right")], ["When should it run?"]]
    with FakeAnthropic(script) as api, LiveServer(claude_settings(tmp_path, api)) as server:
        _, parts, _ = chat(server, "send me sales reports")
        assert server.runtime.playbooks.list("demo")[0] == []
    (error,) = of(parts, "tool-output-error")
    assert "could not read a schedule from 'whenever it feels right'" in error["errorText"]
    assert text_of(parts) == "When should it run?" and api.left == 0


def test_an_overloaded_claude_is_retried_then_answers(tmp_path):
    with FakeAnthropic([Overloaded(), ["Hello! I'm Pops."]]) as api, LiveServer(claude_settings(tmp_path, api)) as server:
        status, parts, done = chat(server, "hi")
    assert status == 200 and done and text_of(parts) == "Hello! I'm Pops."
    assert len(api.requests) == 2 and parts[-1]["finishReason"] == "stop"


def test_claude_overloaded_past_its_retries_is_told_in_the_stream(tmp_path):
    script = [Overloaded(), Overloaded(), Overloaded()]
    with FakeAnthropic(script) as api, LiveServer(claude_settings(tmp_path, api, PLAYBOOKS_MODEL_RETRIES=2)) as server:
        status, parts, done = chat(server, "hi")
        assert server.runtime.playbooks.list("demo")[0] == []
    # One try and two retries, then a clear sentence and a finished stream, not a broken connection.
    assert len(api.requests) == 3 and api.left == 0
    assert status == 200 and done
    assert text_of(parts) == "Claude is overloaded right now, so I could not finish that answer. Please try again in a minute."
    assert [p["type"] for p in parts][-2:] == ["finish-step", "finish"] and parts[-1]["finishReason"] == "error"


def test_an_overloaded_error_event_in_the_middle_of_the_stream_is_told_after_the_words_so_far(tmp_path):
    with FakeAnthropic([BreaksOff("Let me look at")]) as api, LiveServer(claude_settings(tmp_path, api)) as server:
        status, parts, done = chat(server, "what do I have?")
    assert status == 200 and done and len(api.requests) == 1
    texts = [p for p in parts if p["type"] == "text-start"]
    assert len(texts) == 2  # the words that came, then the explanation in its own block
    assert text_of(parts).startswith("Let ") and text_of(parts).endswith(
        "Claude is overloaded right now, so I could not finish that answer. Please try again in a minute.")
    assert parts[-1]["finishReason"] == "error"


@pytest.mark.parametrize("failure,words", [
    (Fails(401, "authentication_error"), "Claude refused this service's API key; whoever runs it should check ANTHROPIC_API_KEY."),
    (Fails(404, "not_found_error"), "check PLAYBOOKS_MODEL_FAST and PLAYBOOKS_MODEL_STRONG"),
])
def test_a_refused_key_or_an_unknown_model_is_named_for_whoever_runs_the_service(tmp_path, failure, words):
    with FakeAnthropic([failure]) as api, LiveServer(claude_settings(tmp_path, api)) as server:
        status, parts, done = chat(server, "hi")
    # Not retried: the same request would fail the same way.
    assert status == 200 and done and len(api.requests) == 1
    assert words in text_of(parts) and parts[-1]["finishReason"] == "error"


def test_claude_hands_over_to_a_colleague_who_answers_on_the_strong_model(tmp_path):
    script = [[tool_use("transfer_to_money_mike", reason="price gaps are Money Mike's")], ["Money Mike here: on it."]]
    with FakeAnthropic(script) as api, LiveServer(claude_settings(tmp_path, api)) as server:
        _, parts, _ = chat(server, "how do our prices compare?", agent="craig")
    (delegation,) = of(parts, "data-delegation")
    assert (delegation["data"]["fromAgent"], delegation["data"]["toAgent"]) == ("craig", "money_mike")
    first, second = api.requests
    systems = [r["system"] if isinstance(r["system"], str) else r["system"][0]["text"] for r in (first, second)]
    assert systems[0].startswith("You are Craig") and systems[1].startswith("You are Money Mike")
    # A colleague handed a request reads it afresh: the strong model again.
    assert first["model"] == second["model"] == "claude-strong-test"
    assert "transfer_to_money_mike" not in {t["name"] for t in second["tools"]}
    assert text_of(parts) == "Money Mike here: on it."


def test_claude_moves_a_schedule_by_words_and_cannot_write_cron_into_an_update(tmp_path):
    cron = [{"type": "schedule", "cron": "0 6 * * 2", "timezone": "America/New_York"}]
    script = [
        [tool_use("update_playbook", name="Weekday Sales Report", changes={"triggers": cron})],
        [tool_use("update_playbook", name="Weekday Sales Report", changes={}, schedule="every Tuesday at 6am Pacific")],
        ["Moved to Tuesdays at 6:00 AM Pacific."],
    ]
    with FakeAnthropic(script) as api, LiveServer(claude_settings(tmp_path, api)) as server:
        server.runtime.playbooks.create("demo", {**SPEC, "triggers": [
            {"type": "schedule", "cron": "30 8 * * 1-5", "timezone": "America/Los_Angeles"}]})
        _, parts, _ = chat(server, "move it to Tuesdays at 6am Pacific")
        (stored,) = server.runtime.playbooks.list("demo")[0]
    (refused,) = of(parts, "tool-output-error")
    assert WORDS_ONLY in refused["errorText"] and api.left == 0
    assert stored.triggers == [{"type": "schedule", "cron": "0 6 * * 2", "timezone": "America/Los_Angeles"}]
