"""post_webhook: signed JSON (Standard Webhooks) to an endpoint the organisation registered; the same id on every try."""
from __future__ import annotations

import re
from typing import Any, ClassVar

from scheduler.integrations.outbound import DeliveryError
from scheduler.integrations.webhooks import send_webhook, webhook_body
from scheduler.steps.base import Accepted, RetryableStepError, Step, StepContext, StepError, StepOutput, StepParams

HOW_TO_ADD = "add it with `playbooks integrations add webhook --org ORG --url URL` (which prints its signing secret)"


class PostWebhookParams(StepParams):
    # Only endpoints the organisation registered are posted to, so a chat request cannot send its
    # data anywhere else, and every one has a secret to sign with. Picked by URL or name, else the default.
    url: str | None = None
    integration: str | None = None
    type: str = "playbook.delivery"  # the payload's `type`, as Standard Webhooks payloads name their event
    data: dict[str, Any] | list[Any] | str | None = None  # default: the summaries and outputs of earlier steps


class PostWebhookOutput(StepOutput):
    integration: str
    webhook_id: str
    status: int


class PostWebhook(Step):
    """POST signed JSON to one of the organisation's webhook endpoints."""

    name = "post_webhook"
    Params = PostWebhookParams
    Output = PostWebhookOutput
    side_effect = True
    example: ClassVar[dict[str, Any]] = {"type": "contract.test", "data": {"hello": "world"}}

    async def run(self, params: PostWebhookParams, ctx: StepContext) -> PostWebhookOutput:
        integrations = ctx.store.integrations
        url = (params.url or "").strip() or None
        hook = await integrations.pick(ctx.org_id, "webhook", name=params.integration, url=url)
        if hook is None or not hook.secret:
            wanted = f"no webhook {url or params.integration!r} is registered" if url or params.integration \
                else "this organisation has no webhook"
            raise StepError(f"{wanted}; {HOW_TO_ADD}")
        # The id derives from the step's key: every try, and a resumed run, sends the same one.
        webhook_id = "msg_" + re.sub(r"[^A-Za-z0-9_]", "_", ctx.idempotency_key)
        payload = {"type": params.type, "timestamp": ctx.clock.now().isoformat().replace("+00:00", "Z"),
                   "data": params.data if params.data is not None else _default_data(ctx)}

        async def send(_accepted: Accepted) -> dict[str, Any]:
            try:
                answer = await send_webhook(ctx.settings, hook.url, hook.secret or "", webhook_id, payload)
            except DeliveryError as exc:
                raise (RetryableStepError if exc.transient else StepError)(str(exc)) from exc
            return {"integration": hook.name, "webhook_id": webhook_id, "status": answer.status}

        result = await ctx.once("webhook", send)
        return PostWebhookOutput(summary=f"Posted a signed webhook to {hook.name} ({params.type})", **result)


def _default_data(ctx: StepContext) -> dict[str, Any]:
    data: dict[str, Any] = {"execution_id": ctx.execution_id, "summary": ctx.digest(), "results": ctx.previous}
    try:
        webhook_body(data)
    except DeliveryError:
        # Earlier outputs too large for one webhook: the summaries still go.
        data = {"execution_id": ctx.execution_id, "summary": ctx.digest(), "results_truncated": True}
    return data
