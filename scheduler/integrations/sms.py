"""Text messages out: one provider interface; an outbox folder by default, a Twilio-compatible API by configuration."""
from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import httpx

from scheduler.integrations.outbound import DeliveryError, post
from scheduler.settings import Settings

TWILIO_BASE_URL = "https://api.twilio.com"
MAX_BODY = 1600  # Twilio's limit for one message (it splits longer ones into segments itself)


class SmsProvider(Protocol):
    """Somewhere a text message can be handed to; `send` raises DeliveryError when it cannot."""

    name: str

    async def send(self, to: str, body: str, key: str) -> dict[str, str]:
        """Hand one message over; answers where it went (`transport`, and an id or a path)."""
        ...


class OutboxSms:
    """The default: one JSON file per message in `$PLAYBOOKS_HOME/sms/`, named by the idempotency key."""

    name = "outbox"

    def __init__(self, folder: Path, sender: str | None = None) -> None:
        self.folder, self.sender = folder, sender

    async def send(self, to: str, body: str, key: str) -> dict[str, str]:
        """Write the message; a second write under the same key replaces the first."""
        self.folder.mkdir(parents=True, exist_ok=True)
        final = self.folder / f"{_safe(key)}.json"
        tmp = self.folder / f".{final.name}.tmp"
        message = {"to": to, "from": self.sender, "body": body, "key": key,
                   "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z")}
        tmp.write_text(json.dumps(message, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, final)
        return {"transport": "outbox", "path": str(final)}


class TwilioSms:
    """Twilio's Messages API (or one that speaks it): form-encoded To, From, Body; basic auth with the account."""

    name = "twilio"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sid, self.token = settings.twilio_account_sid or "", settings.twilio_auth_token or ""
        self.sender = settings.twilio_from or ""
        base = (settings.twilio_base_url or TWILIO_BASE_URL).rstrip("/")
        self.url = f"{base}/2010-04-01/Accounts/{self.sid}/Messages.json"

    async def send(self, to: str, body: str, key: str) -> dict[str, str]:
        """POST the message; 429 and 5xx are tried again with backoff, other 4xx fail at once."""
        form = {"To": to, "From": self.sender, "Body": body}
        answer = await post(self.settings, self.url, "the SMS provider",
                            lambda: {"data": form, "auth": httpx.BasicAuth(self.sid, self.token)})
        try:
            sid = str(json.loads(answer.text).get("sid") or "")
        except (ValueError, AttributeError):
            sid = ""
        return {"transport": "twilio", "sid": sid, "attempts": str(answer.attempts)}


def sms_provider(settings: Settings) -> SmsProvider:
    """Twilio when an account is configured, else the outbox folder."""
    if settings.twilio_account_sid:
        return TwilioSms(settings)
    return OutboxSms(settings.home / "sms", settings.twilio_from)


_PHONE = re.compile(r"^\+?[1-9]\d{6,14}$")


def clean_phone(number: str) -> str:
    """An E.164-looking number without spaces, dots, dashes or brackets; ValueError when it is not one."""
    compact = re.sub(r"[\s().-]", "", number or "")
    if not _PHONE.match(compact):
        raise ValueError(f"not a phone number: {number!r} (write it as +15551234567)")
    return compact


def _safe(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", key)


__all__ = ["DeliveryError", "OutboxSms", "SmsProvider", "TwilioSms", "clean_phone", "sms_provider"]
