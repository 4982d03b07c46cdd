"""`playbooks integrations ...` and `playbooks users phone`: where an organisation's Slack posts, webhooks and texts go."""
from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit

import typer

from cli.shop import _known_org, _store

integrations_app = typer.Typer(help="The organisation's Slack and webhook endpoints.", no_args_is_help=True)
users_app = typer.Typer(help="The organisation's users.", no_args_is_help=True)


def _add(kind: str, org: str, url: str, name: str) -> None:
    from cli.main import fail, get_settings

    store = _store()
    _known_org(store, org)
    try:
        added = asyncio.run(store.integrations.add(org, kind, url, name, allow_loopback=get_settings().allow_loopback_fetch))
    except ValueError as exc:
        fail(str(exc))
    typer.echo(f"{added.id}  {kind}  {added.name}  {_shown_url(kind, added.url)}")
    if added.secret:
        typer.echo(f"Signing secret (shown this once; verify the webhook-signature header with it):\n{added.secret}")


@integrations_app.command("add")
def integrations_add(kind: str = typer.Argument(..., help="slack or webhook"), org: str = typer.Option(..., "--org"),
                     url: str = typer.Option(..., "--url"), name: str = typer.Option("default", "--name")) -> None:
    """Connect a Slack incoming webhook, or register a webhook endpoint (its whsec_ signing secret is printed once)."""
    from cli.main import fail

    if kind not in ("slack", "webhook"):
        fail(f"unknown integration kind {kind!r} (known: slack, webhook)")
    _add(kind, org, url, name)


@integrations_app.command("list")
def integrations_list(org: str = typer.Option(..., "--org"), as_json: bool = typer.Option(False, "--json")) -> None:
    """The organisation's integrations: id, kind, name, URL (a Slack URL's secret path hidden; secrets never shown)."""
    store = _store()
    _known_org(store, org)
    rows = asyncio.run(store.integrations.list(org))
    if as_json:
        typer.echo(json.dumps([{"id": i.id, "kind": i.kind, "name": i.name, "url": _shown_url(i.kind, i.url)} for i in rows]))
        return
    for i in rows:
        typer.echo(f"{i.id}  {i.kind}  {i.name}  {_shown_url(i.kind, i.url)}")


@integrations_app.command("remove")
def integrations_remove(integration_id: str, org: str = typer.Option(..., "--org")) -> None:
    """Remove an integration by id (steps that used it then fail with a clear message)."""
    from cli.main import fail

    store = _store()
    _known_org(store, org)
    if not asyncio.run(store.integrations.remove(org, integration_id)):
        fail(f"no integration {integration_id!r} in organisation {org!r}")
    typer.echo(f"Removed {integration_id}")


@users_app.command("phone")
def users_phone(org: str = typer.Option(..., "--org"), email: str = typer.Option(..., "--email"),
                phone: str = typer.Option(..., "--phone", help="+15551234567; empty to clear")) -> None:
    """Set the number `send_sms` texts the user on ({{user.phone}})."""
    from cli.main import fail
    from scheduler.integrations.sms import clean_phone

    number = None
    if phone.strip():
        try:
            number = clean_phone(phone)
        except ValueError as exc:
            fail(str(exc))
    store = _store()
    _known_org(store, org)
    if not asyncio.run(store.tenants.set_phone(org, email, number)):
        fail(f"no user {email!r} in organisation {org!r}")
    typer.echo(f"{email.strip().lower()}: {number or 'no phone'}")


def _shown_url(kind: str, url: str) -> str:
    # A Slack webhook URL's path is its credential: anyone holding it can post to the channel.
    if kind == "slack":
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}/…"
    return url
