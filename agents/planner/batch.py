"""The batch form of the planner contract: JSON lines in, one plan per line out."""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from agents.planner.compose import plan
from agents.planner.lexicon import PRONOUNS
from agents.planner.manage import clarify


def _alone(result: dict) -> dict:
    """A batch line has no conversation before it: "pause it" names no playbook, so ask which one."""
    if result["intent"] != "create_playbook" and (result.get("target") or "").lower() in PRONOUNS:
        return clarify("Which playbook do you mean? Say its name, e.g. 'pause the low stock alert'.")
    return result


def plan_batch(lines: Iterable[str]) -> Iterator[str]:
    """Plan JSON lines ({id, text, timezone}); yield one compact JSON line each, id first, errors as clarify."""
    for line in lines:
        if not line.strip():
            continue
        ident = None
        try:
            req = json.loads(line)
            if not isinstance(req, dict):
                raise ValueError("each line must be a JSON object")
            ident = req.get("id")
            text, zone = req.get("text"), req.get("timezone")
            if not isinstance(text, str) or not isinstance(zone, str):
                raise ValueError("'text' and 'timezone' must be strings")
            out = {"id": ident, **_alone(plan(text, zone))}
        except Exception as e:  # noqa: BLE001 - one bad line must not stop the batch; the reason goes back in the line
            out = {"id": ident, "intent": "clarify", "error": f"{type(e).__name__}: {e}"}
        yield json.dumps(out, separators=(",", ":"), ensure_ascii=False)
