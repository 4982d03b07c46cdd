"""send_sms: a text message through the configured provider (outbox folder or Twilio); keyed, never sent twice."""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import field_validator

from scheduler.integrations.sms import MAX_BODY, DeliveryError, clean_phone, sms_provider
from scheduler.steps.base import Accepted, RetryableStepError, Step, StepContext, StepError, StepOutput, StepParams


class SendSmsParams(StepParams):
    to: str | None = None  # a phone number; none: the run's user's ({{user.phone}})
    message: str = ""

    @field_validator("to")
    @classmethod
    def _number(cls, value: str | None) -> str | None:
        # Templated numbers are checked after rendering, when the executor validates again.
        if value is None or not value.strip():
            return None
        return value if "{{" in value else clean_phone(value)


class SendSmsOutput(StepOutput):
    to: str
    transport: str
    message_id: str


class SendSms(Step):
    """Text a phone: the body defaults to what the earlier steps found."""

    name = "send_sms"
    Params = SendSmsParams
    Output = SendSmsOutput
    side_effect = True
    example: ClassVar[dict[str, Any]] = {"to": "+15555550100", "message": "Contract test"}

    async def run(self, params: SendSmsParams, ctx: StepContext) -> SendSmsOutput:
        to = params.to or (ctx.values.get("user") or {}).get("phone")
        if not to:
            raise StepError("no phone number to text: the user has none; set one with "
                            "`playbooks users phone --org ORG --email EMAIL --phone +15551234567`, or give params.to")
        try:
            to = clean_phone(to)
        except ValueError as exc:
            raise StepError(str(exc)) from None
        body = params.message or ctx.digest()
        if len(body) > MAX_BODY:
            body = body[:MAX_BODY - 1] + "…"
        provider = sms_provider(ctx.settings)

        async def send(_accepted: Accepted) -> dict[str, Any]:
            try:
                where = await provider.send(to, body, ctx.idempotency_key)
            except DeliveryError as exc:
                raise (RetryableStepError if exc.transient else StepError)(str(exc)) from exc
            return {"transport": where["transport"], "message_id": where.get("sid") or where.get("path", "")}

        result = await ctx.once("sms", send)
        return SendSmsOutput(summary=f"Texted {to}: {body[:60]}", to=to, transport=result["transport"],
                             message_id=result["message_id"])
