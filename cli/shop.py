"""`playbooks org|products|competitors|demo ...`: a shop of one's own, its catalogue, its competitors; the demo's day."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import typer

org_app = typer.Typer(help="Organisations.", no_args_is_help=True)
products_app = typer.Typer(help="The organisation's own products.", no_args_is_help=True)
competitors_app = typer.Typer(help="The competitors scan_competitors reads.", no_args_is_help=True)


def _store() -> Any:
    """The repositories over the configured, migrated store."""
    from cli.main import _engine
    from scheduler.store.repositories import Repositories

    return Repositories.on(_engine())


def _known_org(store: Any, org: str) -> None:
    from cli.main import fail

    if asyncio.run(store.tenants.timezone(org)) is None:
        fail(f"unknown organisation {org!r} (create it with `playbooks org create`)")


@org_app.command("create")
def org_create(org_id: str, name: str = typer.Option(..., "--name"), timezone: str = typer.Option(..., "--timezone"),
               owner_email: str = typer.Option(..., "--owner-email")) -> None:
    """Create an organisation and its owner."""
    from cli.main import _engine, fail
    from scheduler.store.repositories.organizations import OrganizationRepository

    try:
        asyncio.run(OrganizationRepository(_engine()).create(org_id, name, timezone, owner_email))
    except ValueError as exc:
        fail(str(exc))
    typer.echo(f"Created organisation {org_id} ({name.strip()}, {timezone}) with owner {owner_email.strip().lower()}")


@products_app.command("import")
def products_import(file: Path, org: str = typer.Option(..., "--org")) -> None:
    """Upsert products by sku from a CSV (sku,name,category,price,cost,quantity,reorder_point); a bad line imports nothing."""
    from cli.main import fail
    from scheduler.store.repositories.products import CatalogueError

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {file}: {exc}")
    store = _store()
    _known_org(store, org)
    try:
        result = asyncio.run(store.products.import_csv(org, text))
    except CatalogueError as exc:
        fail(f"{file}: {exc}; nothing was imported")
    typer.echo(f"{result.added} added, {result.updated} updated")


@competitors_app.command("add")
def competitors_add(org: str = typer.Option(..., "--org"), name: str = typer.Option(..., "--name"),
                    url: str = typer.Option(..., "--url"), selectors: str | None = typer.Option(None, "--selectors")) -> None:
    """Add a competitor by its menu page (http or https); --selectors is JSON for a site the readers miss."""
    from cli.main import fail, get_settings

    parsed = None
    if selectors is not None:
        try:
            parsed = json.loads(selectors)
        except json.JSONDecodeError as exc:
            fail(f"--selectors is not JSON: {exc}")
    store = _store()
    _known_org(store, org)
    try:
        competitor = asyncio.run(store.competitors.add(org, name, url, parsed, allow_loopback=get_settings().allow_loopback_fetch))
    except ValueError as exc:
        fail(str(exc))
    typer.echo(f"{competitor.id}  {competitor.name}  {competitor.url}")


@competitors_app.command("list")
def competitors_list(org: str = typer.Option(..., "--org"), as_json: bool = typer.Option(False, "--json")) -> None:
    """The organisation's competitors: id, name, URL."""
    store = _store()
    _known_org(store, org)
    competitors = asyncio.run(store.competitors.list(org))
    if as_json:
        typer.echo(json.dumps([{"id": c.id, "name": c.name, "url": c.url, "selectors": c.selectors} for c in competitors]))
        return
    for c in competitors:
        typer.echo(f"{c.id}  {c.name}  {c.url}" + ("  (selectors)" if c.selectors else ""))


demo_app = typer.Typer(help="The demo world `serve` seeds.", no_args_is_help=True)


@demo_app.command("next-day")
def demo_next_day() -> None:
    """Switch the bundled demo competitor pages to their second day (prices drop, a product comes, one goes)."""
    from cli.main import get_settings
    from scheduler.demo.sites import set_demo_day

    set_demo_day(get_settings(), 2)
    typer.echo("The demo competitors now show their second day; the next scan finds the changes.")


@demo_app.command("first-day")
def demo_first_day() -> None:
    """Switch the bundled demo competitor pages back to their first day."""
    from cli.main import get_settings
    from scheduler.demo.sites import set_demo_day

    set_demo_day(get_settings(), 1)
    typer.echo("The demo competitors show their first day again.")
