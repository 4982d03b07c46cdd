"""The demo competitors' menu pages, served by the app itself on loopback (only when it runs the demo)."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse

from api.deps import RuntimeDep
from scheduler.demo.sites import PATH, demo_page

router = APIRouter(prefix=PATH, tags=["demo"], include_in_schema=False)


@router.get("/{slug}", response_class=HTMLResponse)
def demo_site(slug: str, runtime: RuntimeDep) -> HTMLResponse:
    """One bundled competitor's menu on the current demo day (`playbooks demo next-day` switches it)."""
    html = demo_page(runtime.settings, slug)
    if html is None:
        raise HTTPException(404, f"no demo site {slug!r}")
    return HTMLResponse(html)
