"""notify: an in-app notification for a user of the organisation."""
from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from scheduler.steps.base import Step, StepContext, StepError, StepOutput, StepParams
from scheduler.store.tables import Notification, User


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
                    body=params.message or ctx.digest(), execution_id=ctx.execution_id,
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

