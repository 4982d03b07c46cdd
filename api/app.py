"""The FastAPI application: routes, problem+json, and the engine's life cycle."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from agents.delegate import PersonaDelegate
from agents.graph import ModelFactory, build_graph
from agents.models import model_factory as default_model_factory
from agents.threads import open_checkpointer
from api.docs import install_docs
from api.limits.guard import RequestGuard
from api.limits.rates import RateLimits
from api.problems import install_problem_handlers
from api.routes import (
    approvals,
    chat,
    competitive_actions,
    competitors,
    customers,
    demo_sites,
    events,
    executions,
    health,
    heartbeat,
    inventory,
    notifications,
    orders,
    playbooks,
    products,
    web,
)
from scheduler.domain.clock import SYSTEM_CLOCK, Clock
from scheduler.runtime import Runtime, freeze_heap
from scheduler.settings import Settings, get_settings


def create_app(
    settings: Settings | None = None, demo: bool = True, clock: Clock = SYSTEM_CLOCK, model_factory: ModelFactory | None = None,
    freeze_after_start: bool = False,
) -> FastAPI:
    """An app whose engine starts with the server and stops with it; `model_factory` picks the chat models.

    `freeze_after_start` (the server process, not tests that start many apps): see scheduler.runtime.freeze_heap.
    """
    settings = settings or get_settings()
    make_model = model_factory or default_model_factory(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime.build(settings, clock=clock, demo=demo)
        # delegate steps reach the personas through this runner; the engine never imports agents.
        runtime.use_delegate(PersonaDelegate(make_model, runtime))
        app.state.runtime = runtime
        # The graph is built once per process, with its threads kept in the same database; each turn brings its context.
        async with open_checkpointer(settings.resolved_database_url) as checkpointer:
            app.state.chat_graph = build_graph(make_model, checkpointer=checkpointer)
            await runtime.start()
            if freeze_after_start:
                freeze_heap()
            try:
                yield
            finally:
                await runtime.stop()

    app = FastAPI(title="Playbooks", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Chat with agent personas; get playbooks that schedule and run themselves. "
                              "Authorize with a session token (`playbooks token`) or an agent key.")
    # Per organisation and minute; routes spend from a bucket with `rate_limited(name)` (api/deps.py).
    app.state.rate_limits = RateLimits({"execute": settings.rate_execute_per_minute, "chat": settings.rate_chat_per_minute})
    # Body limits by path prefix, before any body is read; a route with its own limit is named here.
    app.add_middleware(RequestGuard, default_limit=settings.max_body_bytes, limits={
        "/api/chat": settings.max_chat_body_bytes, "/api/products/import": products.MAX_BODY})
    install_problem_handlers(app)
    install_docs(app)
    for module in (health, playbooks, executions, chat, products, competitors, competitive_actions, approvals, heartbeat,
                   notifications, web, events, inventory, orders, customers):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(packages=[("api", "static")]), name="static")
    if demo:
        app.include_router(demo_sites.router)
    return app
