"""A real SMTP server on loopback (aiosmtpd) that records messages and can be made to stall."""
from __future__ import annotations

import asyncio
import itertools
import random
import socket
import threading
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Recorder:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refusals = 0  # how many DATA commands to answer with a transient 451 first
        self.open = threading.Event()
        self.open.set()
        self.waiting = threading.Event()
        self.delay: tuple[float, float] | None = None  # seconds before answering a DATA, drawn uniformly
        self.random = random.Random(0)
        # (Message-ID, session number) per accepted message, and the sessions that said QUIT afterwards.
        self.accepted: list[tuple[str, int]] = []
        self.quit_sessions: set[int] = set()
        self.quit_open = threading.Event()  # cleared: hold every QUIT until set again
        self.quit_open.set()
        self.quit_waiting = threading.Event()
        self._numbers = itertools.count(1)

    def _session_number(self, session) -> int:
        if getattr(session, "playbooks_number", None) is None:
            session.playbooks_number = next(self._numbers)
        return session.playbooks_number

    async def handle_MAIL(self, server, session, envelope, address, mail_options) -> str:  # noqa: N802 (aiosmtpd's hook)
        # Stalling before DATA: a client killed here has delivered nothing.
        if not self.open.is_set():
            self.waiting.set()
            while not self.open.is_set():
                await asyncio.sleep(0.02)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        if self.refusals > 0:
            self.refusals -= 1
            return "451 Try again later"
        if self.delay is not None:
            await asyncio.sleep(self.random.uniform(*self.delay))
        message = message_from_bytes(envelope.content)
        self.messages.append(message)
        self.accepted.append((message["Message-ID"], self._session_number(session)))
        return "250 Message accepted"

    async def handle_QUIT(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.quit_sessions.add(self._session_number(session))
        if not self.quit_open.is_set():
            self.quit_waiting.set()
            while not self.quit_open.is_set():
                await asyncio.sleep(0.02)
        return "221 Bye"


class SmtpServer:
    """`with SmtpServer() as smtp:` -> smtp.url, smtp.messages; smtp.stall() holds MAIL FROM until release()."""

    def __init__(self) -> None:
        self.recorder = _Recorder()
        self.port = free_port()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[Message]:
        return self.recorder.messages

    def refuse_next(self, count: int) -> None:
        self.recorder.refusals = count

    def slow_down(self, low: float, high: float, seed: int) -> None:
        """Answer each DATA after a random pause in [low, high] seconds (seeded): sends that take a while."""
        self.recorder.delay, self.recorder.random = (low, high), random.Random(seed)

    @property
    def accepted(self) -> list[tuple[str, int]]:
        """(Message-ID, session number) of each accepted message, in order."""
        return list(self.recorder.accepted)

    @property
    def quit_sessions(self) -> set[int]:
        """Numbers of the sessions whose client said QUIT."""
        return set(self.recorder.quit_sessions)

    def hold_quit(self) -> None:
        """Hold the answer to every QUIT until release(): the message is accepted, the session not over."""
        self.recorder.quit_open.clear()

    def wait_until_quitting(self, timeout: float = 10) -> bool:
        """True once a client has sent QUIT while it is held."""
        return self.recorder.quit_waiting.wait(timeout)

    def stall(self) -> None:
        self.recorder.open.clear()

    def release(self) -> None:
        self.recorder.open.set()
        self.recorder.quit_open.set()

    def wait_until_stalled(self, timeout: float = 10) -> bool:
        return self.recorder.waiting.wait(timeout)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self.controller.stop()


def mail_text(message: Message) -> str:
    """The text/plain part of a message (send_email adds an HTML alternative and attachments around it)."""
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def mail_html(message: Message) -> str:
    """The text/html part of a message."""
    part = next(p for p in message.walk() if p.get_content_type() == "text/html")
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
