"""Mail out: SMTP when PLAYBOOKS_SMTP_URL is set, else one .eml file per message in the outbox."""
from __future__ import annotations

import asyncio
import os
import re
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiosmtplib

from scheduler.settings import Settings


class MailError(Exception):
    """Mail could not be handed over; `transient` when a retry may work."""

    def __init__(self, message: str, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


def build_message(sender: str, to: list[str], subject: str, body: str, key: str) -> EmailMessage:
    """A plain-text message whose Message-ID derives from the idempotency key (receivers dedupe on it)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{_safe(key)}@playbooks.local>"
    msg.set_content(body)
    return msg


async def deliver(settings: Settings, msg: EmailMessage, key: str) -> dict[str, str]:
    """Hand the message to SMTP or write it to the outbox; returns where it went."""
    if settings.smtp_url:
        return await _send_smtp(settings.smtp_url, msg)
    return {"transport": "outbox", "path": str(_write_outbox(settings.outbox, msg, key))}


async def _send_smtp(url: str, msg: EmailMessage) -> dict[str, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailError(f"PLAYBOOKS_SMTP_URL must be smtp://host:port or smtps://host:port, got {parts.scheme!r}", False)
    client = aiosmtplib.SMTP(
        hostname=parts.hostname,
        port=parts.port or (465 if parts.scheme == "smtps" else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=parts.scheme == "smtps",
        start_tls=False if parts.scheme == "smtp" else None,
        timeout=20,
    )
    try:
        await client.connect()
        await client.send_message(msg)
    except asyncio.CancelledError:
        # Drop the connection at once: a polite QUIT to a stuck server would wait out the timeout.
        client.close()
        raise
    except aiosmtplib.SMTPRecipientsRefused as exc:
        client.close()
        raise MailError(f"recipients refused: {exc}", False) from exc
    except (aiosmtplib.SMTPException, OSError) as exc:
        client.close()
        raise MailError(f"SMTP server {parts.hostname}:{parts.port}: {exc}", True) from exc
    try:
        await client.quit()
    except (aiosmtplib.SMTPException, OSError):
        client.close()  # the message is accepted; a failed goodbye changes nothing
    return {"transport": "smtp", "server": f"{parts.hostname}:{parts.port}"}


def _write_outbox(folder: Path, msg: EmailMessage, key: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    # The file name is the idempotency key, so a repeated write replaces rather than duplicates.
    final = folder / f"{_safe(key)}.eml"
    tmp = folder / f".{final.name}.tmp"
    tmp.write_bytes(bytes(msg))
    os.replace(tmp, final)
    return final


def _safe(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", key)
