"""Mail out: SMTP when PLAYBOOKS_SMTP_URL is set, else one .eml file per message in the outbox."""
from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiosmtplib
from aiosmtplib.email import extract_recipients, extract_sender, flatten_message

from scheduler.settings import Settings

# Called with where the message went, the moment it is accepted: the caller records the send there.
OnAccepted = Callable[[dict[str, str]], Awaitable[None]]


async def _nothing(_where: dict[str, str]) -> None:
    return None


class MailError(Exception):
    """Mail could not be handed over; `transient` when a retry may work."""

    def __init__(self, message: str, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class Attachment:
    """A file to attach: its name, MIME type and bytes."""

    name: str
    content_type: str
    data: bytes


def build_message(sender: str, to: list[str], subject: str, body: str, key: str, html: str | None = None,
                  attachments: Sequence[Attachment] = ()) -> EmailMessage:
    """A text message (with an HTML alternative and attachments when given) whose Message-ID derives from the key.

    Receivers dedupe on the Message-ID, so a message sent again after a crash is still one message.
    """
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{_safe(key)}@playbooks.local>"
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for item in attachments:
        maintype, _, subtype = item.content_type.partition("/")
        msg.add_attachment(item.data, maintype=maintype, subtype=subtype or "octet-stream", filename=item.name)
    return msg


async def deliver(settings: Settings, msg: EmailMessage, key: str, on_accepted: OnAccepted = _nothing) -> dict[str, str]:
    """Hand the message to SMTP or write it to the outbox, awaiting `on_accepted` once it is taken; returns where it went."""
    if settings.smtp_url:
        return await _send_smtp(settings.smtp_url, msg, on_accepted)
    where = {"transport": "outbox", "path": str(_write_outbox(settings.outbox, msg, key))}
    await on_accepted(where)
    return where


async def _send_smtp(url: str, msg: EmailMessage, on_accepted: OnAccepted) -> dict[str, str]:
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
    where = {"transport": "smtp", "server": f"{parts.hostname}:{parts.port}"}
    try:
        await client.connect()
        await _transaction(client, msg)
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
    # The server said 250 to the DATA: the message is its now. Recording it here, before QUIT, leaves
    # a crash between that 250 and this record as the only moment a resumed run would send it again.
    try:
        await on_accepted(where)
    except BaseException:
        client.close()
        raise
    try:
        await client.quit()
    except (aiosmtplib.SMTPException, OSError):
        client.close()  # the message is accepted; a failed goodbye changes nothing
    return where


async def _transaction(client: aiosmtplib.SMTP, msg: EmailMessage) -> None:
    """EHLO, MAIL, RCPT for each recipient, DATA: returns once the server accepted the message (250).

    The envelope by hand rather than send_message(), so the caller sees the 250 before anything else
    happens; the options are the ones send_message() would pick.
    """
    sender, recipients = extract_sender(msg) or "", extract_recipients(msg)
    await client.ehlo()
    utf8 = not (sender + "".join(recipients)).isascii()
    if utf8 and not client.supports_extension("smtputf8"):
        raise aiosmtplib.SMTPNotSupported("a non-ASCII address, and the server does not support SMTPUTF8")
    options = ["SMTPUTF8"] if utf8 else []
    eight_bit = client.supports_extension("8bitmime")
    if eight_bit:
        options.append("BODY=8BITMIME")
    encoding = "utf-8" if utf8 else "ascii"
    await client.mail(sender, options=options, encoding=encoding)
    refused = {}
    for rcpt in recipients:
        try:
            await client.rcpt(rcpt, encoding=encoding)
        except aiosmtplib.SMTPRecipientRefused as exc:
            refused[rcpt] = exc
    if len(refused) == len(recipients):
        await client.rset()
        raise aiosmtplib.SMTPRecipientsRefused(list(refused.values()))
    await client.data(flatten_message(msg, utf8=utf8, cte_type="8bit" if eight_bit else "7bit"))


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
