"""Deciding approvals: the decision, its effect (a price change, once) and the run's resumption, in one transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from scheduler.domain.clock import SYSTEM_CLOCK, Clock
from scheduler.domain.status import ExecutionStatus
from scheduler.marketing.copy import APPROVED, REJECTED, DraftNotSendable, assert_sendable
from scheduler.store.action_tables import Approval, CompetitiveAction, Draft
from scheduler.store.repositories.approvals import DECISIONS, RECIPIENTS_KIND
from scheduler.store.tables import Execution, Product, SideEffect, StepRun

A, ACT, D = Approval.__table__, CompetitiveAction.__table__, Draft.__table__  # type: ignore[attr-defined]
E, S, P, FX = Execution.__table__, StepRun.__table__, Product.__table__, SideEffect.__table__  # type: ignore[attr-defined]


class ApprovalNotFound(LookupError):
    """No such approval in the caller's organisation (another tenant's ids look the same): a 404."""


class AlreadyDecided(Exception):
    """The approval was decided before (by a person or its timeout): a 409."""


class NotApprovable(Exception):
    """Approving it is refused (a campaign draft that fails the compliance check): a 409; it stays pending."""


class NeedsPerson(PermissionError):
    """Only a person (a user, not an agent key) may approve mail to addresses outside the organisation: a 403."""


@dataclass(frozen=True)
class Decided:
    """What a decision did: the approval's new status, the price it changed, the run it queued again."""

    approval_id: str
    status: str
    price_change: dict[str, Any] | None
    resumed: str | None  # the execution to dispatch now, when this was its last pending approval


class ApprovalService:
    """Decisions by people (POST /api/approvals/{id}) and by timeouts (the periodic check)."""

    def __init__(self, engine: Engine, clock: Clock = SYSTEM_CLOCK) -> None:
        self.engine, self.clock = engine, clock

    def decide(self, org_id: str, approval_id: str, decision: str, note: str | None = None,
               by: str | None = None) -> Decided:
        """Approve or reject once; a price change is applied on approve; the run is queued once nothing is pending."""
        if decision not in DECISIONS:
            raise ValueError(f"decision must be 'approve' or 'reject', not {decision!r}")
        status, now = DECISIONS[decision], self.clock.now()
        if status == "approved" and not (by or "").startswith("usr_"):
            kind = self._kind(org_id, approval_id)
            if kind == RECIPIENTS_KIND:
                raise NeedsPerson("only a person may approve email to addresses outside the organisation; "
                                  "sign in as a user to approve it")
        with self.engine.connect() as conn:
            # The conditional UPDATE comes first: it is the decision itself (only one caller changes the row),
            # and on SQLite it takes the write lock before anything is read.
            row = conn.execute(
                update(A).where(A.c.id == approval_id, A.c.org_id == org_id, A.c.status == "pending")
                .values(status=status, decided_at=now, decided_by=by, note=note)
                .returning(A.c.execution_id, A.c.step_index, A.c.kind, A.c.data)
            ).mappings().first()
            if row is None:
                found = conn.execute(select(A.c.status).where(A.c.id == approval_id, A.c.org_id == org_id)).first()
                conn.rollback()
                if found is None:
                    raise ApprovalNotFound(f"no approval {approval_id!r}")
                raise AlreadyDecided(f"approval {approval_id!r} was already {found.status}")
            # Two approvals of one run decided at once: the second waits here and then sees the first as decided.
            conn.execute(select(E.c.id).where(E.c.id == row["execution_id"]).with_for_update())
            change = _price_change(conn, org_id, approval_id, row, now) if status == "approved" else None
            if row["kind"] == "campaign":
                _decide_draft(conn, org_id, row["data"].get("draft_id"), status)
            ids = list(row["data"].get("action_ids") or [])
            if ids:
                conn.execute(update(ACT).where(ACT.c.id.in_(ids), ACT.c.status == "in_progress")
                             .values(status="done" if status == "approved" else "dismissed", updated_at=now))
            if row["kind"] == RECIPIENTS_KIND and status == "approved":
                # The held email is sent by its step running again, now that its addresses are approved: its
                # checkpoint goes, so the resumed run starts there (its send is keyed, so still at most once).
                conn.execute(delete(S).where(S.c.execution_id == row["execution_id"], S.c.index == row["step_index"]))
            else:
                _record_in_step(conn, row["execution_id"], row["step_index"], approval_id, status, note)
            resumed = _resume_if_settled(conn, row["execution_id"])
            conn.commit()
        return Decided(approval_id, status, change, resumed)

    def _kind(self, org_id: str, approval_id: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(A.c.kind).where(A.c.id == approval_id, A.c.org_id == org_id)).scalar()

    def expire_due(self) -> list[Decided]:
        """Apply each overdue pending approval's timeout outcome (reject unless declared otherwise)."""
        now = self.clock.now()
        with self.engine.connect() as conn:
            due = conn.execute(select(A.c.id, A.c.org_id, A.c.on_timeout, A.c.expires_at)
                               .where(A.c.status == "pending", A.c.expires_at <= now).order_by(A.c.expires_at)).all()
        decided = []
        for approval_id, org_id, outcome, expires_at in due:
            try:
                decided.append(self.decide(org_id, approval_id, outcome, note=f"timed out at {_iso(expires_at)}",
                                           by="timeout"))
            except AlreadyDecided:
                continue  # a person decided it meanwhile: theirs stands
            except NotApprovable:
                # A timeout that would approve what may not go out rejects it instead.
                decided.append(self.decide(org_id, approval_id, "reject", note=f"timed out at {_iso(expires_at)}; "
                                           "not approvable (compliance)", by="timeout"))
            except NeedsPerson:  # a timeout never widens where mail goes: it rejects
                decided.append(self.decide(org_id, approval_id, "reject", note=f"timed out at {_iso(expires_at)}",
                                           by="timeout"))
        return decided


def _price_change(conn: Connection, org_id: str, approval_id: str, row: Any, now: datetime) -> dict[str, Any] | None:
    """Set the suggested price, keyed `approval:<id>`: the side effect's record commits with the decision."""
    if row["kind"] != "price_change":
        return None
    data = row["data"]
    old = conn.execute(select(P.c.price).where(P.c.id == data["product_id"], P.c.org_id == org_id)).scalar()
    if old is None:
        return None  # the product was removed meanwhile: nothing to change
    conn.execute(update(P).where(P.c.id == data["product_id"], P.c.org_id == org_id).values(price=data["new_price"]))
    change = {"product_id": data["product_id"], "product": data.get("product"), "old_price": old,
              "new_price": data["new_price"]}
    conn.execute(insert(FX).values(key=f"approval:{approval_id}", org_id=org_id, kind="price_change",
                                   result=change, created_at=now))
    return change


def _decide_draft(conn: Connection, org_id: str, draft_id: str | None, status: str) -> None:
    """Write the decision into the campaign draft; approving one that fails the compliance check is refused."""
    draft = conn.execute(select(D.c.body, D.c.data).where(D.c.id == draft_id, D.c.org_id == org_id)).first()
    if draft is None:
        return  # removed meanwhile: nothing to mark
    data = dict(draft.data)
    if status == "approved":
        try:
            assert_sendable(draft.body, {**data, "status": APPROVED})
        except DraftNotSendable as exc:
            conn.rollback()
            raise NotApprovable(f"draft {draft_id!r} cannot be approved: {exc}") from None
    data["status"] = APPROVED if status == "approved" else REJECTED
    conn.execute(update(D).where(D.c.id == draft_id, D.c.org_id == org_id).values(data=data))


def _record_in_step(conn: Connection, execution_id: str, index: int, approval_id: str, status: str,
                    note: str | None) -> None:
    """The asking step's output says how it was decided, so later steps read `{{request_approval.decision}}`."""
    output = conn.execute(select(S.c.output).where(S.c.execution_id == execution_id, S.c.index == index)).scalar()
    if not isinstance(output, dict):
        return
    output = dict(output)
    if output.get("approval_id") == approval_id:
        output.update(decision=status, approved=status == "approved", note=note)
        if output.get("sent") is False and output.get("outside"):  # held email, rejected: it stays unsent
            output["summary"] = f"Not sent: email to {', '.join(output['outside'])} was {status}."
    if isinstance(output.get("suggestions"), list):
        output["suggestions"] = [{**s, "status": status} if s.get("approval_id") == approval_id else s
                                 for s in output["suggestions"]]
    conn.execute(update(S).where(S.c.execution_id == execution_id, S.c.index == index).values(output=output))


def _resume_if_settled(conn: Connection, execution_id: str) -> str | None:
    """Queue the run again once none of its approvals is pending; answers its id if this call queued it."""
    pending = conn.execute(select(func.count()).select_from(A)
                           .where(A.c.execution_id == execution_id, A.c.status == "pending")).scalar()
    if pending:
        return None
    queued = conn.execute(update(E).where(E.c.id == execution_id, E.c.status == ExecutionStatus.waiting_approval)
                          .values(status=ExecutionStatus.queued, lease_owner=None, lease_expires_at=None))
    return execution_id if queued.rowcount == 1 else None


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")
