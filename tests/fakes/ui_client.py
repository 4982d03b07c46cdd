"""What useChat keeps of a streamed answer: the AI SDK's UIMessage assembly, small, for tests.

Mirrors readUIMessageStream (ai 5.x) for the parts our server sends: a text part
per text block, a `step-start` per step, one `tool-<name>` part per call (state,
input, output or errorText), and `data-*` parts (a later one with the same id
replaces the earlier). tests/test_uistream_contract.py checks the real client.
"""
from __future__ import annotations

from typing import Any


def assemble(parts: list[dict[str, Any]], message_id: str = "assistant-1") -> dict[str, Any]:
    """The assistant UIMessage a client holds after reading these stream parts."""
    out: list[dict[str, Any]] = []
    texts: dict[str, dict[str, Any]] = {}
    tools: dict[str, dict[str, Any]] = {}
    for part in parts:
        kind = part["type"]
        if kind == "start-step":
            out.append({"type": "step-start"})
        elif kind == "text-start":
            texts[part["id"]] = {"type": "text", "text": "", "state": "streaming"}
            out.append(texts[part["id"]])
        elif kind == "text-delta":
            texts[part["id"]]["text"] += part["delta"]
        elif kind == "text-end":
            texts[part["id"]]["state"] = "done"
        elif kind == "tool-input-start":
            tools[part["toolCallId"]] = {"type": f"tool-{part['toolName']}", "toolCallId": part["toolCallId"], "state": "input-streaming"}
            out.append(tools[part["toolCallId"]])
        elif kind == "tool-input-available":
            if part["toolCallId"] not in tools:
                tools[part["toolCallId"]] = {"type": f"tool-{part['toolName']}", "toolCallId": part["toolCallId"]}
                out.append(tools[part["toolCallId"]])
            tools[part["toolCallId"]].update(state="input-available", input=part["input"])
        elif kind == "tool-approval-request":  # AI SDK 6: the tool part waits for the user's approval
            tools[part["toolCallId"]].update(state="approval-requested", approval={"id": part["approvalId"]})
        elif kind == "tool-output-available":
            tools[part["toolCallId"]].update(state="output-available", output=part["output"])
        elif kind == "tool-output-error":
            tools[part["toolCallId"]].update(state="output-error", errorText=part["errorText"])
        elif kind.startswith("data-"):
            data = {"type": kind, "data": part["data"], **({"id": part["id"]} if "id" in part else {})}
            same = next((i for i, p in enumerate(out) if p["type"] == kind and "id" in data and p.get("id") == data["id"]), None)
            if same is None:
                out.append(data)
            else:
                out[same] = data
    return {"id": message_id, "role": "assistant", "parts": out}


def user(text: str, message_id: str = "user-1") -> dict[str, Any]:
    """A user UIMessage with one text part."""
    return {"id": message_id, "role": "user", "parts": [{"type": "text", "text": text}]}
