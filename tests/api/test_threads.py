"""Threads persist in the database (a LangGraph checkpointer beside our tables), keyed by the chat body's `id`.

Two app instances, one after the other, on the same SQLite file: the second
is sent only the newest message and still knows what "it" is.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from agents.threads import open_checkpointer, thread_id
from scheduler.auth.tokens import authenticate_token, issue_agent_key, issue_session_token
from tests.api.test_claude_chat import SPEC, claude_settings
from tests.conftest import auth, sales_report_spec
from tests.fakes.anthropic_api import FakeAnthropic, tool_use
from tests.fakes.live import LiveServer
from tests.fakes.ui_client import assemble, user


def chat(server: LiveServer, messages: list[dict[str, Any]], chat_id: str | None, token: str) -> list[dict[str, Any]]:
    body: dict[str, Any] = {"messages": messages, **({"id": chat_id} if chat_id else {})}
    with httpx.stream("POST", f"{server.url}/api/chat", json=body, headers=auth(token), timeout=60) as r:
        assert r.status_code == 200, r.read()
        return [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: {")]


def text_of(parts: list[dict[str, Any]]) -> str:
    return "".join(p["delta"] for p in parts if p["type"] == "text-delta")


def statuses(server: LiveServer) -> dict[str, str]:
    return {p.name: p.status for p in server.runtime.playbooks.list("demo")[0]}


def test_a_thread_goes_on_after_a_restart_with_only_the_newest_message(settings):
    with LiveServer(settings) as first:
        token = issue_session_token(first.runtime.engine, "demo", "owner@example.com")
        # Another playbook, so "it" is not simply the only one there is.
        first.runtime.playbooks.create("demo", sales_report_spec("0 18 * * *", name="Evening Sales Report"))
        parts = chat(first, [user("Every day at 9am email me a sales report", "u1")], "thread-42", token)
        created = next(p for p in parts if p["type"] == "data-playbook")["data"]["name"]
    assert created != "Evening Sales Report"

    with LiveServer(settings) as second:  # a new process's app: nothing in memory, the same database
        parts = chat(second, [user("pause it", "u2")], "thread-42", token)
        assert statuses(second) == {created: "paused", "Evening Sales Report": "active"}
        # The same words on a thread that never was cannot know what "it" is.
        parts_elsewhere = chat(second, [user("pause it", "u3")], "thread-other", token)
        assert statuses(second) == {created: "paused", "Evening Sales Report": "active"}
    assert [p["data"]["name"] for p in parts if p["type"] == "data-playbook"] == [created]
    assert not [p for p in parts_elsewhere if p["type"] == "data-playbook"]


def test_a_client_sending_the_whole_history_on_a_known_thread_is_not_doubled(settings):
    with LiveServer(settings) as server:
        token = issue_session_token(server.runtime.engine, "demo", "owner@example.com")
        history = [user("Every day at 9am email me a sales report", "u1")]
        parts = chat(server, history, "thread-7", token)
        history += [assemble(parts), user("pause it", "u2")]
        chat(server, history, "thread-7", token)
        stored = _messages(settings, token, server.runtime.engine, "thread-7")
    said = [m.content for m in stored if m.type == "human"]
    assert said == ["Every day at 9am email me a sales report", "pause it"]
    assert list(statuses(server).values()) == ["paused"]


def test_threads_are_the_callers_own(settings):
    with LiveServer(settings) as server:
        owner = issue_session_token(server.runtime.engine, "demo", "owner@example.com")
        chat(server, [user("Every day at 9am email me a sales report", "u1")], "shared-id", owner)
        server.runtime.playbooks.create("demo", sales_report_spec("0 18 * * *", name="Evening Sales Report"))
        agent = issue_agent_key(server.runtime.engine, "demo", "pops")
        # Another caller using the same id gets a thread of its own: "it" means nothing there.
        chat(server, [user("pause it", "u2")], "shared-id", agent)
        assert "paused" not in statuses(server).values()


def test_claude_is_sent_the_earlier_turns_of_the_thread_after_a_restart(tmp_path):
    script = [[tool_use("create_playbook", playbook=SPEC, schedule="every weekday at 8:30am")], ["Done."],
              [tool_use("set_playbook_status", name="Weekday Sales Report", status="paused")], ["Paused."]]
    with FakeAnthropic(script) as api:
        settings = claude_settings(tmp_path, api)
        with LiveServer(settings) as first:
            token = issue_session_token(first.runtime.engine, "demo", "owner@example.com")
            chat(first, [user("weekday sales report at 8:30am please", "u1")], "t-claude", token)
        with LiveServer(settings) as second:
            chat(second, [user("pause it", "u2")], "t-claude", token)
            assert statuses(second) == {"Weekday Sales Report": "paused"}
    third = api.requests[2]["messages"]
    # user, assistant (tool_use), user (tool_result), assistant (text), user: the first turn came from the database.
    assert [m["role"] for m in third] == ["user", "assistant", "user", "assistant", "user"]
    assert json.dumps(third[0]["content"]).count("weekday sales report at 8:30am please") == 1
    assert "pause it" in json.dumps(third[-1]["content"])


def _messages(settings: Any, token: str, engine: Any, chat_id: str) -> list[Any]:
    """The messages stored for the token's caller and this chat id, read with a checkpointer of our own."""
    who = authenticate_token(engine, token)

    async def read() -> list[Any]:
        async with open_checkpointer(settings.resolved_database_url) as saver:
            stored = await saver.aget_tuple({"configurable": {"thread_id": thread_id(who, chat_id)}})
            return stored.checkpoint["channel_values"]["messages"] if stored else []

    return asyncio.run(read())


@pytest.mark.postgres
def test_a_thread_goes_on_after_a_restart_on_postgresql(pg_settings):
    with LiveServer(pg_settings) as first:
        token = issue_session_token(first.runtime.engine, "demo", "owner@example.com")
        first.runtime.playbooks.create("demo", sales_report_spec("0 18 * * *", name="Evening Sales Report"))
        parts = chat(first, [user("Every day at 9am email me a sales report", "u1")], "thread-pg", token)
        created = next(p for p in parts if p["type"] == "data-playbook")["data"]["name"]
    with LiveServer(pg_settings) as second:
        chat(second, [user("pause it", "u2")], "thread-pg", token)
        assert statuses(second) == {created: "paused", "Evening Sales Report": "active"}
    said = [m.content for m in _messages(pg_settings, token, second.runtime.engine, "thread-pg") if m.type == "human"]
    assert said == ["Every day at 9am email me a sales report", "pause it"]


def test_a_body_without_an_id_is_kept_nowhere(settings):
    import sqlite3

    with LiveServer(settings) as server:
        token = issue_session_token(server.runtime.engine, "demo", "owner@example.com")
        parts = chat(server, [user("Every day at 9am email me a sales report", "u1")], None, token)
        assert [p["type"] for p in parts if p["type"] == "data-playbook"] == ["data-playbook"]
        with sqlite3.connect(settings.home / "playbooks.db") as db:
            assert db.execute("SELECT count(*) FROM checkpoints").fetchone() == (0,)
        chat(server, [user("Every day at 9am email me a sales report", "u1")], "kept", token)
        with sqlite3.connect(settings.home / "playbooks.db") as db:
            assert db.execute("SELECT count(DISTINCT thread_id) FROM checkpoints").fetchone() == (1,)


def test_a_stored_threads_artifacts_come_back_typed(settings):
    from tools.artifacts import PlaybookArtifact

    with LiveServer(settings) as server:
        token = issue_session_token(server.runtime.engine, "demo", "owner@example.com")
        chat(server, [user("Every day at 9am email me a sales report", "u1")], "typed", token)
        stored = _messages(settings, token, server.runtime.engine, "typed")
    (answer,) = [m for m in stored if m.type == "tool"]
    assert isinstance(answer.artifact, PlaybookArtifact) and answer.artifact.playbook.name == "Daily Sales Report"


@pytest.mark.parametrize("chat_id", ["", "x" * 201])
def test_a_bad_thread_id_is_a_clear_422(server, user_token, chat_id):
    body = {"id": chat_id, "messages": [user("hello")]}
    r = httpx.post(f"{server.url}/api/chat", json=body, headers=auth(user_token))
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert "id" in r.text
