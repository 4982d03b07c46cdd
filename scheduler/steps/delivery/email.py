"""send_email: mail over SMTP, or to the outbox folder; keyed so a resumed run never sends twice."""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, field_validator

from scheduler.integrations.mail import MailError, build_message, deliver
from scheduler.steps.base import (
    Accepted,
    RetryableStepError,
    Step,
    StepContext,
    StepError,
    StepOutput,
    StepParams,
)

SENDER = "Playbooks <playbooks@localhost>"


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
    example: ClassVar[dict[str, Any]] = {"to": "owner@example.com", "subject": "Contract test", "body": "Hello"}

    async def run(self, params: SendEmailParams, ctx: StepContext) -> SendEmailOutput:
        msg = build_message(SENDER, list(params.to), params.subject, params.body or ctx.digest(), ctx.idempotency_key)

        async def send(accepted: Accepted) -> dict[str, Any]:
            async def on_accepted(where: dict[str, str]) -> None:
                # Recorded as soon as the server said 250 to the DATA, before the goodbye.
                await accepted({"transport": where["transport"], "message_id": msg["Message-ID"]})

            try:
                where = await deliver(ctx.settings, msg, ctx.idempotency_key, on_accepted)
            except MailError as exc:
                raise (RetryableStepError if exc.transient else StepError)(str(exc)) from exc
            return {"transport": where["transport"], "message_id": msg["Message-ID"]}

        result = await ctx.once("email", send)
        return SendEmailOutput(
            summary=f"Emailed {', '.join(params.to)}: {params.subject}", to=list(params.to),
            subject=params.subject, **result,
        )

