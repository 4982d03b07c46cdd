"""The `playbooks` command: serve, credentials, chat, planning and schedule tools."""
from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime

import typer
from pydantic import ValidationError

from cli.integrations import integrations_app, users_app
from cli.shop import competitors_app, demo_app, org_app, products_app
from scheduler.settings import Settings
from scheduler.settings import get_settings as _load_settings

app = typer.Typer(help="Playbooks: chat with agent personas; get automations that run themselves.", no_args_is_help=True)
schedule_app = typer.Typer(help="Cron and schedule phrases.", no_args_is_help=True)
app.add_typer(schedule_app, name="schedule")
app.add_typer(org_app, name="org")
app.add_typer(products_app, name="products")
app.add_typer(competitors_app, name="competitors")
app.add_typer(demo_app, name="demo")
app.add_typer(integrations_app, name="integrations")
app.add_typer(users_app, name="users")


def fail(message: str) -> None:
    """A plain message on stderr and exit 1: how the CLI reports bad input."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def get_settings() -> Settings:
    """The settings, or a plain message naming the bad one (configuration errors are never swallowed)."""
    try:
        return _load_settings()
    except ValidationError as exc:
        fail("configuration: " + "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()))
        raise  # unreachable: fail() exits


def _engine():
    from scheduler.store.db import make_engine, migrate

    engine = make_engine(get_settings())
    migrate(engine)
    return engine


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, no_demo: bool = typer.Option(False, "--no-demo")) -> None:
    """API + scheduler + inline executor in one process (with PLAYBOOKS_EXECUTOR=celery, runs go to `playbooks worker`s)."""
    import uvicorn

    from api.app import create_app
    from cli.listen import ListenError, listen
    from scheduler.auth.tokens import issue_session_token
    from scheduler.demo.seed import DEMO_EMAIL, DEMO_ORG, seed_demo
    from scheduler.demo.sites import PATH, demo_origin, seed_demo_competitors

    settings = get_settings()
    try:
        # Bound before anything is printed: a bad or busy port fails here, not after the banner.
        sock = listen(host, port)
    except ListenError as exc:
        fail(str(exc))
    engine = _engine()
    if not no_demo:
        seeded = seed_demo(engine)
        # The demo competitors' pages are served by this app: fetched from its own loopback address.
        sites = seed_demo_competitors(engine, demo_origin(host, port))
        base = f"http://{host}:{port}"
        # A token is printed once, when the demo is first seeded; after that, `playbooks token` makes one.
        token = issue_session_token(engine, DEMO_ORG, DEMO_EMAIL) if seeded else "$TOKEN"
        get_token = f"TOKEN=$(playbooks token --org {DEMO_ORG} --email {DEMO_EMAIL})"
        typer.echo(
            f"Playbooks on {base}  (database: {settings.resolved_database_url})\n"
            f"  API docs:   {base}/docs\n"
            + (f"  Demo token: {token}   (org {DEMO_ORG}, {DEMO_EMAIL}; printed once, on the first start)\n" if seeded else
               f"  A token:    {get_token}\n")
            + f"  Try:  curl -N {base}/api/chat -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \\\n"
            f"          -d '{{\"messages\":[{{\"role\":\"user\",\"parts\":[{{\"type\":\"text\","
            f"\"text\":\"Every day at 9am email me a sales report\"}}]}}]}}'\n"
            f"  Mail goes to {settings.smtp_url or settings.outbox.resolve()}\n"
            f"  Texts go to {settings.twilio_base_url or 'Twilio' if settings.twilio_account_sid else (settings.home / 'sms').resolve()}; "
            f"files to {settings.drive_url or (settings.home / 'drive').resolve()}\n"
            + (f"  Demo competitors: {sites} menus served at {demo_origin(host, port)}{PATH}/ "
               f"(`playbooks demo next-day` switches them to their second day)\n" if sites else "")
            + ("" if settings.cron_secret or settings.cron_secret_file else
               "  CRON_SECRET is unset, so calls with a cron secret are refused; to allow them:\n"
               "    CRON_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(16))') make run\n")
        )
    engine.dispose()
    if settings.executor == "celery":
        typer.echo(f"  Runs go to Celery workers: queue {settings.celery_queue!r} on {settings.redis_url_shown} "
                   "(start them with `playbooks worker`)")
    config = uvicorn.Config(create_app(settings, demo=not no_demo, freeze_after_start=True), host=host, port=port,
                            log_level="info")
    uvicorn.Server(config).run(sockets=[sock])


token_app = typer.Typer(help="Session tokens: `token --org ORG --email EMAIL` prints a new one; `token revoke TOKEN`.",
                        invoke_without_command=True)
app.add_typer(token_app, name="token")


@token_app.callback()
def token(ctx: typer.Context, org: str | None = typer.Option(None, "--org"), email: str | None = typer.Option(None, "--email")) -> None:
    """Print a new user session token (it expires after PLAYBOOKS_SESSION_TTL_HOURS)."""
    from scheduler.auth.tokens import UnknownOrganization, issue_session_token

    if ctx.invoked_subcommand is not None:
        return
    if not org or not email:
        fail("give --org ORG and --email EMAIL (or `playbooks token revoke TOKEN`)")
    try:
        typer.echo(issue_session_token(_engine(), str(org), str(email)))
    except UnknownOrganization as exc:
        fail(str(exc))


@token_app.command("revoke")
def token_revoke(value: str = typer.Argument(..., metavar="TOKEN")) -> None:
    """Revoke a session token or agent key: every server refuses it within a second."""
    from scheduler.auth.tokens import revoke_token

    if not revoke_token(_engine(), value.strip()):
        fail("no such live token (unknown, or already revoked)")
    typer.echo("revoked")


@app.command("agent-key")
def agent_key(org: str = typer.Option(..., "--org"), agent: str = typer.Option(..., "--agent")) -> None:
    """Print a new agent API key for a persona."""
    from scheduler.auth.tokens import UnknownOrganization, issue_agent_key

    try:
        typer.echo(issue_agent_key(_engine(), org, agent))
    except (UnknownOrganization, ValueError) as exc:
        fail(str(exc))


@app.command()
def chat(message: str, org: str = typer.Option("demo", "--org"), agent: str | None = typer.Option(None, "--agent"),
         email: str = typer.Option("owner@example.com", "--email")) -> None:
    """One chat turn in the terminal, streamed."""
    from cli.chat import run_chat
    from scheduler.catalog import persona

    try:
        if agent is not None:
            persona(agent)
    except ValueError as exc:
        fail(str(exc))
    settings = get_settings()
    try:
        asyncio.run(run_chat(settings, org, email, agent, message))
    except LookupError as exc:
        fail(str(exc))


@app.command()
def plan(text: str | None = typer.Argument(None), batch: bool = typer.Option(False, "--batch"),
         tz: str = typer.Option("America/New_York", "--tz")) -> None:
    """The planner contract: JSON lines in (id, text, timezone), one plan per line out."""
    from agents.planner import plan as make_plan
    from agents.planner import plan_batch

    if batch:
        for line in plan_batch(sys.stdin):
            typer.echo(line)
    elif text:
        typer.echo(json.dumps(make_plan(text, tz)))
    else:
        fail("give a request, or --batch to read JSON lines on standard input")


@schedule_app.command("parse")
def schedule_parse(text: str, tz: str = typer.Option("UTC", "--tz"), as_json: bool = typer.Option(False, "--json")) -> None:
    """A schedule phrase to cron, in code."""
    from scheduler.timing.cron import CronError, validate_schedule
    from scheduler.timing.schedule_text import ScheduleTextError, parse_schedule

    try:
        validate_schedule("* * * * *", tz)
        parsed = parse_schedule(text, tz)
    except (ScheduleTextError, CronError) as exc:
        fail(str(exc))
    out = {"cron": parsed.cron, "timezone": parsed.timezone, "description": parsed.description}
    typer.echo(json.dumps(out) if as_json else f"{parsed.cron}  ({parsed.description})")


@schedule_app.command("preview")
def schedule_preview(cron: str, tz: str = typer.Option("UTC", "--tz"), start: str | None = typer.Option(None, "--start"),
                     count: int = typer.Option(5, "--count"), as_json: bool = typer.Option(False, "--json")) -> None:
    """The next N fire instants after START, in UTC."""
    from scheduler.timing.cron import CronError, next_fire_times, validate_schedule

    if not 1 <= count <= 1000:
        fail(f"--count must be between 1 and 1000, got {count}")
    try:
        validate_schedule(cron, tz)
        after = datetime.fromisoformat(start.replace("Z", "+00:00")) if start else datetime.now(UTC)
    except CronError as exc:
        fail(str(exc))
    except ValueError:
        fail(f"--start {start!r} is not an ISO-8601 date-time")
    if after.tzinfo is None:
        after = after.replace(tzinfo=UTC)
    times = [t.astimezone(UTC).isoformat().replace("+00:00", "Z") for t in next_fire_times(cron, tz, after, count)]
    typer.echo(json.dumps(times) if as_json else "\n".join(times))


@app.command()
def steps(as_json: bool = typer.Option(False, "--json")) -> None:
    """The step catalog: every action, its owner, and the params and output schemas of those available."""
    from scheduler.steps.registry import catalog_entries, default_registry

    entries = catalog_entries(default_registry())
    if as_json:
        typer.echo(json.dumps(entries, indent=2))
        return
    # Plain fixed columns rather than a rich table: rich wraps to the terminal, which breaks grep and pipes.
    typer.echo(f"{'ACTION':<34} {'FAMILY':<12} {'OWNER':<10} {'AVAILABLE':<9}  DESCRIPTION")
    for e in entries:
        available = "yes" if e["available"] else "no"
        typer.echo(f"{e['name']:<34} {e['family']:<12} {e['owner'] or '(any)':<10} {available:<9}  {e['description']}")


def _scale_out_settings(command: str) -> Settings:
    """The settings of a scale-out process: they must name Celery and its broker (fail closed)."""
    settings = get_settings()
    if settings.executor != "celery":
        fail(f"`playbooks {command}` is a scale-out process: set PLAYBOOKS_EXECUTOR=celery and PLAYBOOKS_REDIS_URL "
             "(the Celery broker) in every process; `playbooks serve` alone runs everything inline")
    return settings


@app.command()
def worker(concurrency: int | None = typer.Option(None, "--concurrency", min=1, help="runs at once in this process "
                                                  "(default PLAYBOOKS_MAX_CONCURRENT_RUNS)"),
           grace: float = typer.Option(10.0, "--grace", min=0, help="seconds runs in flight may go on after SIGTERM before "
                                       "they are handed back to the queue"),
           loglevel: str = typer.Option("info", "--loglevel")) -> None:
    """Celery worker: runs the executions the scheduler and API processes send through Redis."""
    from agents.delegate import PersonaDelegate
    from agents.models import model_factory
    from scheduler.runtime import Runtime, freeze_heap
    from scheduler.scaleout.worker import serve_worker

    settings = _scale_out_settings("worker")
    runtime = Runtime.build(settings)
    # delegate steps reach the personas through this runner, as in `serve`; the engine never imports agents.
    runtime.use_delegate(PersonaDelegate(model_factory(settings), runtime))
    freeze_heap()  # a long-lived process: start-up's objects out of the collector's walks (see the function)
    raise typer.Exit(serve_worker(runtime, concurrency or settings.max_concurrent_runs, grace, loglevel.upper()))


@app.command("scheduler")
def scheduler_cmd() -> None:
    """Standby-safe scheduler: schedules, catch-up, recovery sweep, wake-ups and ticks; runs go to the workers."""
    import logging

    from scheduler.scaleout.scheduler import serve_scheduler

    settings = _scale_out_settings("scheduler")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from sqlalchemy.engine import make_url

    database = make_url(settings.resolved_database_url).render_as_string(hide_password=True)
    typer.echo(f"playbooks scheduler on {database}; runs go to queue {settings.celery_queue!r} on {settings.redis_url_shown}",
               err=True)
    asyncio.run(serve_scheduler(settings))
