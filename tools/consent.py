"""Changes that need the user's yes: a tool first answers with the change to confirm, and applies it only after a yes.

The check lives in the tool, not in the model: a model (offline or Claude) that calls
`delete_playbook` twice in a row deletes nothing. The change is applied only when the
conversation holds, in this order, our `ConfirmArtifact` for exactly this call and then
the user's next message saying yes (nothing else in between from the user).
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from tools.artifacts import ConfirmArtifact, artifact_from_output

# Where api.stream.history keeps artifacts a client showed as data parts (agents.models.offline.SHOWN_KEY;
# tools may not import agents).
SHOWN_KEY = "shown_artifacts"

YES = re.compile(
    r"^\s*(?:(?:yes|yeah|yep|yup|ya|sure|ok|okay|confirm(?:ed)?|correct|right|absolutely|definitely|please(?:\s+do)?|"
    r"do\s+it|go\s+ahead|go\s+for\s+it|sounds\s+good|that'?s\s+(?:right|fine|ok)|apply\s+it|"
    r"(?:yes,?\s+)?(?:delete|remove|change|update|pause|add|send)\s+it)[\s,.!]*)+"
    r"(?:please|thanks?|thank\s+you)?[\s.!]*$", re.IGNORECASE)
NO = re.compile(r"^\s*(?:no|nope|nah|cancel|stop|don'?t|do\s+not|never\s*mind|leave\s+it|keep\s+it|not\s+now)\b", re.IGNORECASE)


def says_yes(text: str) -> bool:
    """Whether a whole message is a plain yes ("yes", "yes please, delete it", "go ahead")."""
    return bool(YES.match(text or ""))


def says_no(text: str) -> bool:
    """Whether a message turns the change down ("no", "cancel", "leave it")."""
    return bool(NO.match(text or ""))


def call_key(tool: str, args: dict[str, Any]) -> str:
    """One call's identity: the tool and its arguments, canonical JSON."""
    return json.dumps({"tool": tool, "args": args}, sort_keys=True, default=str)


def _confirms(message: BaseMessage) -> list[ConfirmArtifact]:
    if isinstance(message, ToolMessage):
        artifact = message.artifact if isinstance(message.artifact, ConfirmArtifact) else None
        if artifact is None and isinstance(message.content, str) and '"confirm"' in message.content:
            try:
                read = artifact_from_output(json.loads(message.content))
            except ValueError:
                read = None
            artifact = read if isinstance(read, ConfirmArtifact) else None
        return [artifact] if artifact else []
    if isinstance(message, AIMessage):
        return [a for a in message.additional_kwargs.get(SHOWN_KEY, ()) if isinstance(a, ConfirmArtifact)]
    return []


def pending(messages: Sequence[BaseMessage]) -> ConfirmArtifact | None:
    """The change we asked the user to confirm in our last answer, if the user has said nothing since."""
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            return None
        found = _confirms(message)
        if found:
            return found[-1]
    return None


def consented(messages: Sequence[BaseMessage], tool: str, args: dict[str, Any]) -> bool:
    """Whether the user's latest message says yes to exactly this call, asked about just before it."""
    last_human = next((i for i in range(len(messages) - 1, -1, -1) if isinstance(messages[i], HumanMessage)), None)
    if last_human is None:
        return False
    text = messages[last_human].content
    if not says_yes(text if isinstance(text, str) else ""):
        return False
    asked = pending(messages[:last_human])
    return asked is not None and call_key(asked.tool, asked.args) == call_key(tool, args)
