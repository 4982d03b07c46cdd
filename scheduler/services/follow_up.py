"""The heartbeat's follow-up: pending competitive actions handed to their personas' consumer steps, as a logged run."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from scheduler.domain.keys import DedupeKey
from scheduler.domain.status import PlaybookStatus, TriggeredBy
from scheduler.runs.start import Firing, RunRefused, RunStarter
from scheduler.services.playbooks import PlaybookService
from scheduler.store.action_tables import CompetitiveAction
from scheduler.store.tables import Playbook

NAME = "Heartbeat follow-up"
# Each consumer and the actions it takes: campaigns and reorder lists first, price suggestions last,
# because those make the run wait for the owner's decisions.
CONSUMERS = (
    ("create_campaign_draft", "craig", "counter_campaign", "critical"),
    ("create_reorder_list", "pops", "inventory_alert", None),
    ("suggest_price_adjustment", "money_mike", "price_adjustment", None),
)
SPEC = {
    "name": NAME, "agent": "pops", "triggers": [{"type": "manual"}],
    "steps": [{"action": action, "agent": persona, **({"params": {"priority": priority}} if priority else {})}
              for action, persona, _, priority in CONSUMERS],
}
ACT = CompetitiveAction.__table__  # type: ignore[attr-defined]


def waiting_work(engine: Engine, org_id: str) -> int:
    """Pending actions some consumer takes (critical counter campaigns, inventory alerts, price adjustments)."""
    taken = or_(*(and_(ACT.c.type == kind, *([ACT.c.priority == priority] if priority else []))
                  for _, _, kind, priority in CONSUMERS))
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ACT).where(
            ACT.c.org_id == org_id, ACT.c.status == "pending", taken)).scalar_one()


def follow_up_playbook(playbooks: PlaybookService, org_id: str) -> Playbook | None:
    """The organisation's follow-up playbook, made on first need; None when its owner paused or deleted it."""
    with Session(playbooks.engine) as session:
        existing = session.exec(select(Playbook).where(Playbook.org_id == org_id, Playbook.name == NAME)
                                .order_by(col(Playbook.created_at))).first()
    if existing is None:
        return playbooks.create(org_id, SPEC)
    return existing if existing.status == PlaybookStatus.active else None


def follow_up(playbooks: PlaybookService, runs: RunStarter, org_ids: list[str], beat_at: datetime) -> list[str]:
    """Start one follow-up run per organisation with work waiting (one per beat, however many processes beat)."""
    started = []
    for org_id in org_ids:
        if not waiting_work(playbooks.engine, org_id):
            continue
        playbook = follow_up_playbook(playbooks, org_id)
        if playbook is None:
            continue
        key = DedupeKey.idempotency(f"heartbeat:{beat_at.strftime('%Y-%m-%dT%H:%M')}")
        try:
            opened = runs.start_run(playbook, Firing(triggered_by=TriggeredBy.agent, key=key))
        except RunRefused:
            continue
        if opened.created:
            started.append(opened.execution.id)
    return started
