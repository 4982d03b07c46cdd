"""Slack incoming webhooks: a message as `text` (the notification fallback) plus blocks, POSTed to the org's URL."""
from __future__ import annotations

import json
from typing import Any

from scheduler.integrations.outbound import Answer, post
from scheduler.settings import Settings

MAX_TEXT = 3000  # a section block's text limit
MAX_BLOCKS = 50
MAX_FALLBACK = 4000


def escape(text: str) -> str:
    """Slack's three escapes: text from a web page or a model cannot write <!channel>, <@U123> or a disguised link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(message: str, title: str | None = None) -> dict[str, Any]:
    """The incoming-webhook body: `text` for notifications, a header and section blocks for the channel."""
    body = escape(message)
    blocks: list[dict[str, Any]] = []
    if title:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": title[:150], "emoji": True}})
    chunks = [body[i:i + MAX_TEXT] for i in range(0, len(body), MAX_TEXT)] or [" "]
    room = MAX_BLOCKS - len(blocks)
    if len(chunks) > room:
        chunks = chunks[:room]
        chunks[-1] = chunks[-1][:MAX_TEXT - 1] + "…"
    blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in chunks]
    fallback = escape(f"{title}: {message}" if title else message)
    return {"text": fallback[:MAX_FALLBACK], "blocks": blocks}


async def post_to_slack(settings: Settings, url: str, payload: dict[str, Any]) -> Answer:
    """POST the payload; Slack answers `ok` (200), 429 and 5xx are tried again, a 4xx (`invalid_payload`...) fails."""
    content = json.dumps(payload, ensure_ascii=False).encode()
    return await post(settings, url, "Slack",
                      lambda: {"content": content, "headers": {"Content-Type": "application/json; charset=utf-8"}})
