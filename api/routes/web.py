"""The chat page at `/`, its static files, the sign-in cookie, and the chart's runs per day."""
from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api import schemas
from api.deps import SESSION_COOKIE, CurrentPrincipal, RuntimeDep, request_token
from scheduler.runs.activity import runs_per_day
from scheduler.store.tables import Organization, User

STATIC = files("api") / "static"
router = APIRouter(tags=["web"])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def page() -> HTMLResponse:
    """The chat page: no build step, one HTML file and its script."""
    return HTMLResponse(STATIC.joinpath("index.html").read_text(encoding="utf-8"),
                        headers={"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'"})


def _who(runtime, org_id: str, user_id: str | None, kind: str) -> schemas.WhoAmI:
    with Session(runtime.engine) as session:
        org = session.get(Organization, org_id)
        user = session.get(User, user_id) if user_id else None
    if org is None:
        raise HTTPException(401, "the organisation of this session no longer exists")
    return schemas.WhoAmI(kind=kind, org_id=org.id, org_name=org.name, timezone=org.timezone, email=user.email if user else None)


@router.post("/api/session", tags=["session"])
async def sign_in(request: Request, response: Response, runtime: RuntimeDep, who: CurrentPrincipal) -> schemas.WhoAmI:
    """Trade the bearer session token for an HttpOnly, SameSite=Strict cookie (the web page's sign-in); agent keys cannot."""
    if who.kind != "user":
        raise HTTPException(403, "only a user's session token signs in to the page; agent keys call the API")
    token = request_token(request.scope) or b""  # what the guard just accepted
    response.set_cookie(SESSION_COOKIE, token.decode("ascii"), httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")
    return await run_in_threadpool(_who, runtime, who.org_id, who.user_id, who.kind)


@router.get("/api/session", tags=["session"])
async def whoami(runtime: RuntimeDep, who: CurrentPrincipal) -> schemas.WhoAmI:
    """Who this token or cookie signs in as."""
    return await run_in_threadpool(_who, runtime, who.org_id, who.user_id, who.kind)


@router.delete("/api/session", status_code=204, tags=["session"])
def sign_out(response: Response, who: CurrentPrincipal) -> Response:
    """Forget the cookie (the token itself stays valid until revoked)."""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    response.status_code = 204
    return response


@router.get("/api/activity/runs-per-day", tags=["executions"])
async def activity(runtime: RuntimeDep, who: CurrentPrincipal, days: int = Query(14, ge=1, le=90)) -> list[schemas.DayCounts]:
    """Runs per day by status over the last `days` days, in the organisation's zone (the page's chart)."""
    rows = await run_in_threadpool(runs_per_day, runtime.engine, who.org_id, days, runtime.clock.now())
    return [schemas.DayCounts.model_validate(r) for r in rows]
