"""The demo's competitors: menu pages that ship with the package, served by `serve` itself, day 1 or day 2.

`playbooks demo next-day` switches every page to its second day (some prices drop, a product
appears, one goes), so change detection has something to find on the next scan.
"""
from __future__ import annotations

import ipaddress
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from scheduler.demo.seed import DEMO_ORG
from scheduler.settings import Settings
from scheduler.store.tables import Competitor, Organization

PAGES = Path(__file__).with_name("pages")
PATH = "/demo/sites"  # where the app serves the pages
# name, page: in the order they are added, so "our top 3 competitors" are the first three.
SITES = (("Higher Level Syracuse", "higher-level"), ("Budget Buds", "budget-buds"),
         ("Green Leaf Collective", "green-leaf"), ("Canal Street Cannabis", "canal-street"))
DAYS = (1, 2)


def _day_file(settings: Settings) -> Path:
    return settings.home / "demo-day"


def demo_day(settings: Settings) -> int:
    """Which day the demo pages show: 1 unless `playbooks demo next-day` switched them."""
    try:
        day = int(_day_file(settings).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return 1
    return day if day in DAYS else 1


def set_demo_day(settings: Settings, day: int) -> None:
    """Show the demo pages of `day` (1 or 2) from the next fetch on."""
    if day not in DAYS:
        raise ValueError(f"the demo pages have days {', '.join(map(str, DAYS))}, not {day}")
    settings.home.mkdir(parents=True, exist_ok=True)
    _day_file(settings).write_text(f"{day}\n", encoding="utf-8")


def demo_page(settings: Settings, slug: str) -> str | None:
    """The HTML of one demo competitor's menu on the current day, or None for no such page."""
    if slug not in {page for _, page in SITES}:
        return None  # only the bundled names: a slug is never a path
    return (PAGES / f"day{demo_day(settings)}" / f"{slug}.html").read_text(encoding="utf-8")


def demo_origin(host: str, port: int) -> str:
    """Where this process's app answers on loopback: the address the demo competitors are fetched from."""
    try:
        wildcard = ipaddress.ip_address(host).is_unspecified
    except ValueError:
        wildcard = host == "localhost"
    shown = "127.0.0.1" if wildcard else (f"[{host}]" if ":" in host else host)
    return f"http://{shown}:{port}"


def seed_demo_competitors(engine: Engine, origin: str) -> int:
    """Point the demo org's bundled competitors at `origin` (adding them when it has none); answers how many there are.

    Run at every `serve` start, so a server on another port still fetches its own pages. An organisation
    that already has competitors of its own gets no bundled ones added.
    """
    with Session(engine) as session:
        if session.get(Organization, DEMO_ORG) is None:
            return 0
        mine = list(session.exec(select(Competitor).where(Competitor.org_id == DEMO_ORG)))
        bundled = [c for c in mine if c.bundled]
        if not mine:
            bundled = [Competitor(org_id=DEMO_ORG, name=name, url="", bundled=True) for name, _ in SITES]
        pages = dict(SITES)
        for competitor in bundled:
            if competitor.name in pages:
                competitor.url = f"{origin}{PATH}/{pages[competitor.name]}"
                session.add(competitor)
        session.commit()
        return len(bundled)
