"""The real `ai` client reads the Claude path's stream: a hand-off's data-delegation part, then an overload told in words."""
from __future__ import annotations

import json
import os
import subprocess

from scheduler.auth.tokens import issue_session_token
from tests.api.test_claude_chat import claude_settings
from tests.api.test_uistream_contract import CONTRACT_DIR, SCRIPT, _parts
from tests.api.test_uistream_contract import node as node  # the `node` fixture (npm ci once), shared
from tests.fakes.anthropic_api import FakeAnthropic, Overloaded, tool_use
from tests.fakes.live import LiveServer


def test_the_ai_client_reads_a_delegation_and_an_overload_message(node: str, tmp_path) -> None:
    script = [[tool_use("transfer_to_money_mike", reason="prices are Money Mike's")], Overloaded()]
    with FakeAnthropic(script) as api, LiveServer(claude_settings(tmp_path, api, PLAYBOOKS_MODEL_RETRIES=0)) as server:
        token = issue_session_token(server.runtime.engine, "demo", "owner@example.com")
        result = subprocess.run(
            [node, str(SCRIPT), f"{server.url}/api/chat", "hello there"],
            cwd=CONTRACT_DIR, capture_output=True, text=True, timeout=60, env={**os.environ, "PLAYBOOKS_TOKEN": token},
        )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["errors"] == [] and out["status"] == 200 and api.left == 0
    message = out["message"]
    (transfer,) = _parts(message, "tool-transfer_to_money_mike")
    assert transfer["state"] == "output-available" and transfer["output"]["toAgent"] == "money_mike"
    (delegation,) = _parts(message, "data-delegation")
    assert (delegation["data"]["fromAgent"], delegation["data"]["toAgent"]) == ("pops", "money_mike")
    (said,) = _parts(message, "text")
    assert said["text"].startswith("Claude is overloaded right now")
    # The persona the hand-off went to is the one that answered.
    assert out["chunks"][-1] == {"type": "finish", "finishReason": "error", "messageMetadata": {"persona": "money_mike"}}
