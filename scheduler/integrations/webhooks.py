"""Signed webhooks as Standard Webhooks specifies: webhook-id, webhook-timestamp, webhook-signature (v1, HMAC-SHA256).

The id is fixed by the caller (derived from the step's key) so every try, and a resumed run, sends
the same one and a receiver can drop repeats; the timestamp and signature are made again per try.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from standardwebhooks import Webhook

from scheduler.integrations.outbound import Answer, DeliveryError, post
from scheduler.settings import Settings

MAX_BODY = 256 * 1024


def webhook_body(payload: Any) -> str:
    """The JSON text that is signed and sent (compact, UTF-8 kept); DeliveryError when it is too large."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    if len(text.encode()) > MAX_BODY:
        raise DeliveryError(f"the webhook body is {len(text.encode()):,} bytes, over the {MAX_BODY:,} limit", False)
    return text


def signed_headers(secret: str, message_id: str, body: str, now: datetime | None = None) -> dict[str, str]:
    """The three Standard Webhooks headers (and the content type) for `body` sent now."""
    when = (now or datetime.now(UTC)).astimezone(UTC)
    signature = Webhook(secret).sign(message_id, when, body)
    return {"webhook-id": message_id, "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": signature, "Content-Type": "application/json"}


async def send_webhook(settings: Settings, url: str, secret: str, message_id: str, payload: Any) -> Answer:
    """POST `payload` signed with `secret` under `message_id`; 429 and 5xx are tried again, other 4xx fail."""
    body = webhook_body(payload)
    content = body.encode()
    return await post(settings, url, "the webhook",
                      lambda: {"content": content, "headers": signed_headers(secret, message_id, body)})
