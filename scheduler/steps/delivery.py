"""Delivery steps: email (SMTP or outbox) and in-app notifications. Both are side effects."""
from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator
from sqlmodel import Session, select

from scheduler.mail import MailError, build_message, deliver
from scheduler.models import Notification, User
from scheduler.steps.base import (
    RetryableStepError,
    Step,
    StepContext,
    StepError,
    StepOutput,
    StepParams,
)

SENDER = "Playbooks <playbooks@localhost>"


def digest(previous: list[dict[str, Any]]) -> str:
    """The summaries of earlier steps, one a line: the default body of a message."""
    lines = [p["summary"] for p in previous if isinstance(p, dict) and p.get("summary")]
    return "\n".join(lines) or "Your playbook ran; there was nothing to report."


class SendEmailParams(StepParams):
    to: list[str] | str
    subject: str = Field(min_length=1, max_length=300)
    body: str = ""

    @field_validator("subject")
    @classmethod
    def _one_line(cls, value: str) -> str:
        # A line break in a header would let the text add headers of its own (Bcc: ...).
        if "\r" in value or "\n" in value:
            raise ValueError("the subject must be a single line")
        return value

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str] | str) -> list[str]:
        items = [v.strip() for v in (value.split(",") if isinstance(value, str) else value) if v.strip()]
        # Templated addresses are checked after rendering, when the executor validates again.
        bad = [a for a in items if "{{" not in a and ("@" not in a or any(c in a for c in " \r\n<>,;"))]
        if not items or bad:
            raise ValueError(f"not an email address: {', '.join(bad) or '(empty)'}")
        return items


class SendEmailOutput(StepOutput):
    to: list[str]
    subject: str
    transport: str
    message_id: str


class SendEmail(Step):
    """Send an email; the body defaults to what the earlier steps found."""

    name = "send_email"
    Params = SendEmailParams
    Output = SendEmailOutput
    side_effect = True
    example = {"to": "owner@example.com", "subject": "Contract test", "body": "Hello"}

    async def run(self, params: SendEmailParams, ctx: StepContext) -> SendEmailOutput:
        msg = build_message(SENDER, list(params.to), params.subject, params.body or digest(ctx.previous), ctx.idempotency_key)

        async def send() -> dict[str, Any]:
            try:
                where = await deliver(ctx.settings, msg, ctx.idempotency_key)
            except MailError as exc:
                raise (RetryableStepError if exc.transient else StepError)(str(exc)) from exc
            return {"transport": where["transport"], "message_id": msg["Message-ID"]}

        result = await ctx.once("email", send)
        return SendEmailOutput(
            summary=f"Emailed {', '.join(params.to)}: {params.subject}", to=list(params.to),
            subject=params.subject, **result,
        )


class NotifyParams(StepParams):
    message: str = ""
    title: str = "Playbook update"
    to: str | None = None  # an email of a user of the org; default: the run's user


class NotifyOutput(StepOutput):
    notification_id: str


class Notify(Step):
    """Leave an in-app notification for a user of the organisation."""

    name = "notify"
    Params = NotifyParams
    Output = NotifyOutput
    side_effect = True
    example = {"title": "Contract test", "message": "Hello"}

    async def run(self, params: NotifyParams, ctx: StepContext) -> NotifyOutput:
        async def store() -> dict[str, Any]:
            with Session(ctx.engine) as session:
                user_id = _recipient(session, ctx, params.to)
                note = Notification(
                    org_id=ctx.org_id, user_id=user_id, title=params.title,
                    body=params.message or digest(ctx.previous), execution_id=ctx.execution_id,
                )
                session.add(note)
                session.commit()
                return {"notification_id": note.id}

        result = await ctx.once("notification", store)
        return NotifyOutput(summary=f"Notified: {params.title}", **result)


def _recipient(session: Session, ctx: StepContext, email: str | None) -> str | None:
    if email:
        user = session.exec(select(User).where(User.org_id == ctx.org_id, User.email == email)).first()
        if user is None:
            raise StepError(f"no user {email!r} in this organisation")
        return user.id
    return (ctx.values.get("user") or {}).get("id")


STEPS = [SendEmail(), Notify()]
