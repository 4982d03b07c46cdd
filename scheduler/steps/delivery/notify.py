"""notify: an in-app notification for a user of the organisation."""
from __future__ import annotations

from typing import Any, ClassVar

from scheduler.steps.base import Step, StepContext, StepError, StepOutput, StepParams


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
    example: ClassVar[dict[str, Any]] = {"title": "Contract test", "message": "Hello"}

    async def run(self, params: NotifyParams, ctx: StepContext) -> NotifyOutput:
        user_id = await _recipient(ctx, params.to)
        # Staged, not written: it commits with this step's checkpoint, so it exists once exactly when the step is done.
        note_id = ctx.store.notifications.stage(
            ctx.unit, ctx.org_id, user_id, params.title, params.message or ctx.digest(), ctx.execution_id,
        )
        ctx.unit.keyed("notification", {"notification_id": note_id})
        return NotifyOutput(summary=f"Notified: {params.title}", notification_id=note_id)


async def _recipient(ctx: StepContext, email: str | None) -> str | None:
    if email:
        user_id = await ctx.store.tenants.user_id_by_email(ctx.org_id, email)
        if user_id is None:
            raise StepError(f"no user {email!r} in this organisation")
        return user_id
    return (ctx.values.get("user") or {}).get("id")
