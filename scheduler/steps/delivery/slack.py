"""post_slack: a message to the Slack incoming webhook the organisation configured; keyed, never posted twice."""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from scheduler.integrations.outbound import DeliveryError
from scheduler.integrations.slack import post_to_slack, slack_payload
from scheduler.steps.base import Accepted, RetryableStepError, Step, StepContext, StepError, StepOutput, StepParams

HOW_TO_ADD = "add one with `playbooks integrations add slack --org ORG --url https://hooks.slack.com/services/...`"


class PostSlackParams(StepParams):
    message: str = ""
    title: str | None = Field(None, max_length=150)
    # An incoming webhook posts to the channel it was made for: this picks the org's Slack
    # integration of that name ("#ops"), and falls back to its default one.
    channel: str | None = None


class PostSlackOutput(StepOutput):
    integration: str
    status: int


class PostSlack(Step):
    """Post a message to the organisation's Slack channel (its incoming webhook)."""

    name = "post_slack"
    Params = PostSlackParams
    Output = PostSlackOutput
    side_effect = True
    example: ClassVar[dict[str, Any]] = {"message": "Contract test", "title": "Playbook update"}

    async def run(self, params: PostSlackParams, ctx: StepContext) -> PostSlackOutput:
        integrations = ctx.store.integrations
        hook = (await integrations.pick(ctx.org_id, "slack", name=params.channel) if params.channel else None) \
            or await integrations.pick(ctx.org_id, "slack")
        if hook is None:
            raise StepError(f"this organisation has no Slack webhook; {HOW_TO_ADD}")
        payload = slack_payload(params.message or ctx.digest(), params.title)

        async def send(_accepted: Accepted) -> dict[str, Any]:
            try:
                answer = await post_to_slack(ctx.settings, hook.url, payload)
            except DeliveryError as exc:
                raise (RetryableStepError if exc.transient else StepError)(str(exc)) from exc
            return {"integration": hook.name, "status": answer.status}

        result = await ctx.once("slack", send)
        where = result["integration"]
        missed = f" (no Slack integration named {params.channel!r}; used {where!r})" if params.channel and \
            params.channel.casefold() != where.casefold() else ""
        return PostSlackOutput(summary=f"Posted to Slack ({where}){missed}", **result)
