"""send_email: text and escaped HTML, files of earlier steps attached, to the organisation's own people; keyed, sent once."""
from __future__ import annotations

import asyncio
import re
from typing import Any, ClassVar

from scheduler.integrations.files import MAX_ATTACHMENT_BYTES, FileRefused, read_file, safe_name
from scheduler.integrations.mail import Attachment, MailError, build_message, deliver
from scheduler.steps.base import (
    Accepted,
    RetryableStepError,
    Step,
    StepContext,
    StepError,
)
from scheduler.steps.control.approval import expiry
from scheduler.steps.delivery.email_parts import SendEmailOutput, SendEmailParams, html_body
from scheduler.store.repositories.approvals import RECIPIENTS_KIND

__all__ = ["SENDER", "SendEmail", "SendEmailOutput", "SendEmailParams"]

SENDER = "Playbooks <playbooks@localhost>"


class SendEmail(Step):
    """Send an email; the body defaults to what the earlier steps found, and files they made are attached.

    Mail goes to the organisation's users. Another address waits for a person to approve it (an
    `email_recipients` approval; the run stops in `waiting_approval` and, once approved, this step runs
    again and sends), or is refused with `outside_recipients: refuse`. The send is keyed
    `execution_id:step_index`: a resumed run never sends it twice.
    """

    name = "send_email"
    Params = SendEmailParams
    Output = SendEmailOutput
    side_effect = True
    example: ClassVar[dict[str, Any]] = {"to": "owner@example.com", "subject": "Contract test", "body": "Hello"}

    async def run(self, params: SendEmailParams, ctx: StepContext) -> SendEmailOutput:
        recipients = list(params.to)
        outside = await _outside(recipients, ctx)
        if outside:
            return _hold(params, recipients, outside, ctx)
        files = await asyncio.to_thread(_attachments, params.attachments, ctx)
        text = params.body or ctx.digest()
        msg = build_message(SENDER, recipients, params.subject, text, ctx.idempotency_key,
                            html=html_body(params.subject, text) if params.html else None, attachments=files)

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
        names = [f.name for f in files]
        attached = f" ({len(names)} attachment{'s' if len(names) != 1 else ''}: {', '.join(names)})" if names else ""
        return SendEmailOutput(
            summary=f"Emailed {', '.join(recipients)}: {params.subject}{attached}", to=recipients,
            subject=params.subject, attachments=names, **result,
        )


async def _outside(recipients: list[str], ctx: StepContext) -> list[str]:
    """The recipients who are neither users of the organisation nor approved by one of its people."""
    own = await ctx.store.tenants.user_emails(ctx.org_id)
    others = [a for a in recipients if a.lower() not in own]
    if not others:
        return []
    approved = await ctx.store.approvals.approved_recipients(ctx.org_id)
    return [a for a in others if a.lower() not in approved]


def _hold(params: SendEmailParams, recipients: list[str], outside: list[str], ctx: StepContext) -> SendEmailOutput:
    """Refuse mail to outside addresses, or ask a person to approve them; the run waits, and this step runs again."""
    listed = ", ".join(outside)
    if params.outside_recipients == "refuse":
        raise StepError(f"not sent: {listed} {'is' if len(outside) == 1 else 'are'} not among the organisation's users, "
                        "and mail goes only to them unless a person approves another address")
    prompt = f"Allow email to {listed} (not one of your users)? Subject: {params.subject}"[:500]
    approval_id = ctx.store.approvals.stage(
        ctx.unit, ctx.org_id, ctx.execution_id, ctx.step_index, RECIPIENTS_KIND, prompt,
        {"addresses": [a.lower() for a in outside], "to": recipients, "subject": params.subject}, expiry(ctx, None))
    ctx.wait_for_approval()
    return SendEmailOutput(summary=f"Not sent yet: waiting for your approval to email {listed}.", to=recipients,
                           subject=params.subject, sent=False, approval_id=approval_id, outside=outside,
                           decision="pending", approved=False)


def _attachments(names: list[str] | None, ctx: StepContext) -> list[Attachment]:
    """The files earlier steps of this run made: every one (names None) or those of the named steps."""
    if names is None:
        made = [out["file"] for out in ctx.previous if isinstance(out, dict) and isinstance(out.get("file"), dict)]
    else:
        made = []
        for name in names:
            out = ctx.values.get(name)
            if not isinstance(out, dict) or not isinstance(out.get("file"), dict):
                raise StepError(f"attachments: no earlier step named {name!r} made a file (export_csv makes one)")
            made.append(out["file"])
    files, total = [], 0
    for item in made:
        try:
            data = read_file(ctx.settings, ctx.org_id, str(item.get("path", "")))
        except FileRefused as exc:
            raise StepError(f"attachments: {exc}") from None
        total += len(data)
        if total > MAX_ATTACHMENT_BYTES:
            raise StepError(f"attachments: more than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB in one email")
        kind = str(item.get("content_type") or "")
        files.append(Attachment(safe_name(str(item.get("name") or "file")),
                                kind if re.fullmatch(r"[\w.+-]+/[\w.+-]+", kind) else "application/octet-stream", data))
    return files
