"""`playbooks chat`: one turn through the same graph and stream as POST /api/chat, printed."""
from __future__ import annotations

import asyncio
import json

import typer
from sqlmodel import Session, select

from agents.delegate import PersonaDelegate
from agents.graph import ModelFactory, build_graph
from agents.models import model_factory as default_model_factory
from api.stream.chat import chat_parts
from scheduler.auth.tokens import Principal, UnknownOrganization
from scheduler.runtime import Runtime
from scheduler.settings import Settings
from scheduler.store.tables import Organization, User


async def run_chat(
    settings: Settings, org_id: str, email: str, agent: str | None, message: str, model_factory: ModelFactory | None = None,
) -> None:
    """Stream one answer to the terminal; runs it starts finish before returning."""
    make_model = model_factory or default_model_factory(settings)
    graph = build_graph(make_model)
    runtime = Runtime.build(settings)
    runtime.use_delegate(PersonaDelegate(make_model, runtime))
    runtime.dispatcher.bind(asyncio.get_running_loop())
    with Session(runtime.engine) as session:
        if session.get(Organization, org_id) is None:
            raise UnknownOrganization(f"no organisation {org_id!r} (run `playbooks serve` once to seed the demo)")
        user = session.exec(select(User).where(User.org_id == org_id, User.email == email)).first()
    who = Principal(kind="user", org_id=org_id, user_id=user.id if user else None)
    messages = [{"role": "user", "parts": [{"type": "text", "text": message}]}]
    async for part in chat_parts(graph, runtime, who, messages, agent):
        kind = part.get("type", "")
        if kind == "text-delta":
            typer.echo(part["delta"], nl=False)
        elif kind == "tool-input-available":
            typer.secho(f"[tool] {part['toolName']}({json.dumps(part['input'])[:200]})", fg="cyan")
        elif kind == "tool-output-error":
            typer.secho(f"[tool error] {part['errorText']}", fg="red")
        elif kind.startswith("data-"):
            typer.secho(f"[{kind[5:]}] {part['data'].get('id') or part['data'].get('executionId')}", fg="green")
    typer.echo()
    await runtime.dispatcher.drain()
    runtime.engine.dispose()
