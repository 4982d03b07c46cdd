"""Contract test: the real `ai` npm client (v5) reads our UI message stream unchanged.

Serves canned conversations through api.stream.uistream on a loopback uvicorn and
reads them with tests/contract/read_stream.mjs (DefaultChatTransport +
readUIMessageStream, what useChat runs). Skipped without node/npm, except
under CI=true, where that is a failure.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from api.stream import uistream as ui
from tests.conftest import WatchPings, until_pinged

CONTRACT_DIR = Path(__file__).resolve().parent.parent / "contract"
SCRIPT = CONTRACT_DIR / "read_stream.mjs"
IN_CI = os.environ.get("CI", "").lower() == "true"

PLAYBOOK = {
    "id": "pb_1",
    "name": "Competitor price watch",
    "status": "active",
    "next_runs": ["2025-11-27T09:00:00-05:00", "2025-11-28T09:00:00-05:00"],
}
TOOL_INPUT = {"name": "Competitor price watch", "schedule": "every day at 9am Eastern"}
CLOSING = "Done! Every day at 9:00 AM Eastern. Ünïcode ✓ \"quoted\"\nnew line"


# ------------------------------------------------------------ canned streams


async def _conversation() -> AsyncIterator[dict[str, Any]]:
    yield ui.start(message_id="msg_1")
    yield ui.start_step()
    yield ui.text_start("t1")
    for piece in ("Sure, ", "setting that up."):
        yield ui.text_delta("t1", piece)
        await asyncio.sleep(0)
    yield ui.text_end("t1")
    yield ui.tool_input_start("call_1", "create_playbook")
    raw = json.dumps(TOOL_INPUT)
    yield ui.tool_input_delta("call_1", raw[:10])
    yield ui.tool_input_delta("call_1", raw[10:])
    yield ui.tool_input_available("call_1", "create_playbook", TOOL_INPUT)
    yield ui.tool_output_available("call_1", {"playbook_id": "pb_1", "created": True})
    yield ui.data("playbook", {**PLAYBOOK, "status": "draft"}, id="pb_1")
    yield ui.data("playbook", PLAYBOOK, id="pb_1")  # same id: replaces the draft
    yield ui.finish_step()
    yield ui.start_step()
    for part in ui.text("t2", CLOSING):
        yield part
    yield ui.finish_step()
    yield ui.finish("stop")


async def _failing() -> AsyncIterator[dict[str, Any]]:
    yield ui.start(message_id="msg_2")
    yield ui.start_step()
    yield ui.text_start("t1")
    yield ui.text_delta("t1", "Checking prices")
    raise RuntimeError("database is on fire")


async def _slow() -> AsyncIterator[dict[str, Any]]:
    yield ui.start(message_id="msg_3")
    yield ui.tool_input_start("call_9", "run_playbook")
    await until_pinged()  # idle until a ping has gone out; the client must skip it
    yield ui.tool_input_available("call_9", "run_playbook", {"playbook_id": "pb_1"})
    yield ui.tool_output_error("call_9", "step 2 failed: timeout")
    yield ui.finish()


def _app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(WatchPings)

    @app.post("/api/chat")
    async def chat() -> Any:
        return await ui.ui_stream_response(_conversation())

    @app.post("/api/failing")
    async def failing() -> Any:
        return await ui.ui_stream_response(_failing(), on_error=lambda exc: f"failed: {exc}")

    @app.post("/api/slow")
    async def slow() -> Any:
        return await ui.ui_stream_response(_slow(), ping=0.1)

    return app


# ------------------------------------------------------------------ fixtures


def _need_node() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    problem = None
    if not node or not npm:
        problem = "node and npm are needed for the UI stream contract test"
    else:
        version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
        if int(version.lstrip("v").split(".")[0] or 0) < 18:
            problem = f"the ai package needs node >= 18, found {version}"
    if problem:
        if IN_CI:
            pytest.fail(f"{problem} (and CI=true)")
        pytest.skip(problem)
    return node, npm  # type: ignore[return-value]


@pytest.fixture(scope="module")
def node() -> str:
    node, npm = _need_node()
    if not (CONTRACT_DIR / "node_modules" / "ai" / "package.json").exists():
        # npm ci installs exactly the committed lock file; node_modules is reused after.
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=CONTRACT_DIR, capture_output=True, text=True, timeout=600,
        )
        assert result.returncode == 0, f"npm ci failed:\n{result.stdout}\n{result.stderr}"
    return node


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    # Bind first and hand uvicorn the socket: no window for another process to take the port.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(_app(), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def _read(node: str, url: str) -> dict[str, Any]:
    result = subprocess.run(
        [node, str(SCRIPT), url], cwd=CONTRACT_DIR, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"node failed:\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout)


def _parts(message: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    return [part for part in message["parts"] if part["type"] == type_]


# --------------------------------------------------------------------- tests


def test_client_assembles_text_tool_call_and_data_part(node: str, base_url: str) -> None:
    out = _read(node, f"{base_url}/api/chat")
    assert out["errors"] == []
    assert out["status"] == 200
    assert out["headers"]["x-vercel-ai-ui-message-stream"] == "v1"
    assert out["headers"]["content-type"].startswith("text/event-stream")
    message = out["message"]
    assert message["id"] == "msg_1"
    assert message["role"] == "assistant"

    texts = [part["text"] for part in _parts(message, "text")]
    assert texts == ["Sure, setting that up.", CLOSING]
    assert all(part["state"] == "done" for part in _parts(message, "text"))

    (tool,) = _parts(message, "tool-create_playbook")
    assert tool["toolCallId"] == "call_1"
    assert tool["state"] == "output-available"
    assert tool["input"] == TOOL_INPUT
    assert tool["output"] == {"playbook_id": "pb_1", "created": True}

    (playbook,) = _parts(message, "data-playbook")
    assert playbook["id"] == "pb_1"
    assert playbook["data"] == PLAYBOOK

    assert len(_parts(message, "step-start")) == 2
    assert [chunk["type"] for chunk in out["chunks"]][-1] == "finish"


def test_exception_in_the_stream_becomes_an_error_part(node: str, base_url: str) -> None:
    out = _read(node, f"{base_url}/api/failing")
    assert out["errors"] == ["failed: database is on fire"]
    assert [part["text"] for part in _parts(out["message"], "text")] == ["Checking prices"]
    assert [chunk["type"] for chunk in out["chunks"]][-2:] == ["error", "finish"]
    assert out["chunks"][-1]["finishReason"] == "error"


def test_pings_are_invisible_to_the_client(node: str, base_url: str) -> None:
    out = _read(node, f"{base_url}/api/slow")
    assert out["errors"] == []
    (tool,) = _parts(out["message"], "tool-run_playbook")
    assert tool["state"] == "output-error"
    assert tool["errorText"] == "step 2 failed: timeout"
    assert tool["input"] == {"playbook_id": "pb_1"}


def test_client_reads_the_real_chat_endpoint(node: str, server, user_token) -> None:
    """Our own /api/chat, with the offline model, read by the real client as useChat would."""
    result = subprocess.run(
        [node, str(SCRIPT), f"{server.url}/api/chat", "Every day at 9am email me a sales report"],
        cwd=CONTRACT_DIR, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PLAYBOOKS_TOKEN": user_token},
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["errors"] == [] and out["status"] == 200
    message = out["message"]
    (tool,) = _parts(message, "tool-create_playbook")
    assert tool["state"] == "output-available" and tool["output"]["created"] is True
    (playbook,) = _parts(message, "data-playbook")
    assert playbook["data"]["status"] == "active" and playbook["id"] == playbook["data"]["id"]
    reply = " ".join(part["text"] for part in _parts(message, "text"))
    assert "every day at 9:00 AM, America/New_York" in reply and "Next runs:" in reply


def test_client_reads_several_tool_calls_text_between_them_and_a_tool_error(node: str, settings) -> None:
    """Our /api/chat with a scripted model: the translator's other paths, read by the real client."""
    from scheduler.auth.tokens import issue_session_token
    from tests.conftest import sales_report_spec
    from tests.fakes.chat_model import ScriptedChatModel, call
    from tests.fakes.live import LiveServer

    evening = sales_report_spec("0 18 * * *", name="Evening Sales Report")
    model = ScriptedChatModel(script=[
        ["Two reports, ", call("create_playbook", "c1", playbook=sales_report_spec()), "and ",
         call("create_playbook", "c2", playbook=evening), call("delete_playbook", "c3", name="no such thing")],
        ["Done, except the delete."],
    ])
    with LiveServer(settings, model_factory=lambda persona, ctx: model) as server:
        token = issue_session_token(server.runtime.engine, "demo", "owner@example.com")
        result = subprocess.run(
            [node, str(SCRIPT), f"{server.url}/api/chat", "two reports and a delete"],
            cwd=CONTRACT_DIR, capture_output=True, text=True, timeout=60,
            env={**os.environ, "PLAYBOOKS_TOKEN": token},
        )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["errors"] == [] and out["status"] == 200 and model.finished
    message = out["message"]
    assert [part["text"] for part in _parts(message, "text")] == ["Two reports, ", "and ", "Done, except the delete."]
    created = _parts(message, "tool-create_playbook")
    assert [(t["toolCallId"], t["state"]) for t in created] == [("c1", "output-available"), ("c2", "output-available")]
    assert [t["output"]["playbook"]["name"] for t in created] == ["Daily Sales Report", "Evening Sales Report"]
    (deleted,) = _parts(message, "tool-delete_playbook")
    assert deleted["state"] == "output-error" and "no such thing" in deleted["errorText"]
    shown = _parts(message, "data-playbook")
    assert [p["data"]["name"] for p in shown] == ["Daily Sales Report", "Evening Sales Report"]
    assert [p["id"] for p in shown] == [t["output"]["playbook"]["id"] for t in created]
    assert len(_parts(message, "step-start")) == 2


def test_client_reads_a_followed_run_and_a_held_delete(node: str, server, user_token) -> None:
    """The real client keeps one data-run part per run (progress replaced by id) and the data-confirm of a delete."""
    from tests.conftest import sales_report_spec

    server.runtime.playbooks.create("demo", sales_report_spec())

    def read(text: str) -> dict[str, Any]:
        result = subprocess.run([node, str(SCRIPT), f"{server.url}/api/chat", text], cwd=CONTRACT_DIR,
                                capture_output=True, text=True, timeout=60, env={**os.environ, "PLAYBOOKS_TOKEN": user_token})
        assert result.returncode == 0, result.stderr
        out = json.loads(result.stdout)
        assert out["errors"] == [] and out["status"] == 200
        return out["message"]

    ran = read("run the daily sales report now")
    (run,) = _parts(ran, "data-run")
    assert run["data"]["status"] == "completed" and [s["status"] for s in run["data"]["steps"]] == ["completed", "completed"]
    assert "ran (2 steps completed)" in " ".join(part["text"] for part in _parts(ran, "text"))
    held = read("delete the daily sales report")
    (confirm,) = _parts(held, "data-confirm")
    assert confirm["data"]["tool"] == "delete_playbook" and confirm["data"]["name"] == "Daily Sales Report"
    assert [p.name for p in server.runtime.playbooks.list("demo")[0]] == ["Daily Sales Report"]
