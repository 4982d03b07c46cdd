"""The limits an attacker meets: bodies capped before they are read, no body read without a credential,
NUL bytes refused, playbooks bounded, rates per organisation, Idempotency-Key on create, expiring sessions."""
from __future__ import annotations

import hashlib
import json
import select as io_select
import socket
from collections.abc import Iterable, Iterator
from datetime import timedelta

import httpx
import pytest
from sqlmodel import Session, select

from api.limits.rates import RateLimits
from scheduler.auth.tokens import issue_agent_key, issue_session_token
from scheduler.settings import Settings
from scheduler.store.repositories.idempotency import IdempotencyRepository
from scheduler.store.tables import ApiToken, Organization, User
from tests.conftest import CRON_SECRET, auth
from tests.fakes.live import LiveServer

NOTIFY = {"name": "Ping", "agent": "pops", "steps": [{"action": "notify", "params": {"message": "hi"}}]}


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[tuple[LiveServer, str, str]]:
    """A server with small rates (3 executes, 2 chats a minute); tokens of the demo org and of another."""
    home = tmp_path_factory.mktemp("limits")
    settings = Settings(PLAYBOOKS_HOME=home, CRON_SECRET=CRON_SECRET, PLAYBOOKS_LEASE_SECONDS=2,
                        PLAYBOOKS_RATE_EXECUTE_PER_MINUTE=3, PLAYBOOKS_RATE_CHAT_PER_MINUTE=2)
    with LiveServer(settings) as server:
        with Session(server.runtime.engine) as session:
            session.add(Organization(id="other", name="Other Shop", timezone="UTC"))
            session.add(User(org_id="other", email="o@other.example"))
            session.commit()
        yield (server, issue_session_token(server.runtime.engine, "demo", "owner@example.com"),
               issue_session_token(server.runtime.engine, "other", "o@other.example"))


def _raw(server: LiveServer, head: str, body_chunks: Iterable[bytes] = ()) -> tuple[int, str, int]:
    """Send a request head (and maybe chunks) on a plain socket; the answer's status, its text, and the body bytes sent."""
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.settimeout(60)  # a hang guard only: the answers below come without the body
    sent = 0
    try:
        sock.sendall(head.encode())
        for chunk in body_chunks:
            if io_select.select([sock], [], [], 0)[0]:
                break  # the server has answered: stop sending, read it before the connection goes
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer) < answer.index(b"\r\n\r\n") + 4 + _length(answer):
            try:
                part = sock.recv(65536)
            except ConnectionResetError:
                break
            if not part:
                break
            answer += part
    finally:
        sock.close()
    return int(answer.split(b" ", 2)[1]), answer.decode(errors="replace"), sent


def _length(answer: bytes) -> int:
    for line in answer.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 0


def test_no_token_is_a_401_before_a_byte_of_a_200_mb_body_is_sent(live):
    server, _, _ = live
    head = ("POST /api/playbooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {200 * 1024 * 1024}\r\n\r\n")
    status, text, _ = _raw(server, head)  # nothing of the body is ever sent: the answer cannot wait for it
    assert status == 401 and "application/problem+json" in text and "missing bearer token" in text
    status, text, _ = _raw(server, head.replace("Content-Type", "Authorization: Bearer wrong\r\nContent-Type"))
    assert status == 401 and "invalid or expired token" in text


def test_a_declared_body_over_the_limit_is_a_413_before_it_is_read(live):
    server, token, _ = live
    head = (f"POST /api/playbooks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {50 * 1024 * 1024}\r\n\r\n")
    status, text, _ = _raw(server, head)
    assert status == 413 and "over 1 MB" in text


def test_a_streamed_body_is_cut_off_at_the_limit(live):
    server, token, _ = live
    head = (f"POST /api/playbooks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    piece = b"a" * 65536
    chunks = (b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(400))  # 25 MB if all were read
    status, text, sent = _raw(server, head, chunks)
    assert status == 413 and "over 1 MB" in text
    assert sent < 400 * len(piece)  # the server stopped reading: the rest could not be sent


def test_chat_has_its_own_smaller_limit(live):
    server, token, _ = live
    big = {"messages": [{"role": "user", "parts": [{"type": "text", "text": "x" * 40_000}] * 8}]}  # ~320 KB
    r = httpx.post(f"{server.url}/api/chat", headers=auth(token), json=big)
    assert r.status_code == 413 and "over 256 KB" in r.json()["detail"]
    # The same size elsewhere is under the 1 MB default: read, and refused for what it says.
    r = httpx.post(f"{server.url}/api/playbooks", headers=auth(token), json={**NOTIFY, "name": "x" * 320_000})
    assert r.status_code == 422 and "name" in r.json()["detail"]


def _nul_probes(playbook_id: str) -> list[tuple[str, str, object]]:
    text = {"message": "a\u0000b"}
    return [
        ("GET", "/api/playbooks/pb_%00", None),
        ("GET", "/api/playbooks?cursor=pb_%00", None),
        ("GET", "/api/executions/ex_%00", None),
        ("GET", f"/api/playbooks/{playbook_id}/executions?cursor=%00", None),
        ("GET", "/api/approvals?cursor=%00", None),
        ("GET", "/api/competitive-actions?cursor=a%00", None),
        ("GET", "/api/products?cursor=%00", None),
        ("DELETE", "/api/competitors/cmp_%00", None),
        ("POST", "/api/playbooks", {**NOTIFY, "name": "Ping\u0000"}),
        ("POST", "/api/playbooks", {**NOTIFY, "steps": [{"action": "notify", "params": text}]}),
        ("POST", "/api/playbooks", {**NOTIFY, "steps": [{"action": "notify\u0000"}]}),
        ("POST", "/api/playbooks", {**NOTIFY, "triggers": [{"type": "schedule", "cron": "0 9 * * *", "timezone": "UTC\u0000"}]}),
        ("PATCH", f"/api/playbooks/{playbook_id}", {"name": "\u0000"}),
        ("POST", f"/api/playbooks/{playbook_id}/execute", {"triggeredBy": "manual", "userId": "usr\u0000"}),
        ("POST", "/api/competitors", {"name": "Shop\u0000", "url": "https://shop.example/menu"}),
        ("POST", "/api/approvals/apr_1", {"decision": "approve", "note": "\u0000"}),
        ("POST", "/api/chat", {"messages": [{"role": "user", "parts": [{"type": "text", "text": "hi\u0000"}]}]}),
        ("POST", "/api/products/import", "sku,name,category,price,cost,quantity,reorder_point\nA,Nul\x00,C,1,1,1,1\n"),
    ]


def _probe_all(server: LiveServer, token: str) -> None:
    made = httpx.post(f"{server.url}/api/playbooks", headers=auth(token), json=NOTIFY)
    assert made.status_code == 201, made.text
    for method, path, body in _nul_probes(made.json()["id"]):
        if isinstance(body, str):
            r = httpx.request(method, server.url + path, headers={**auth(token), "Content-Type": "text/csv"}, content=body)
        else:
            r = httpx.request(method, server.url + path, headers=auth(token), json=body)
        assert r.status_code == 422, (method, path, body, r.status_code, r.text)
        assert "NUL" in r.json()["detail"] and r.headers["content-type"].startswith("application/problem+json")
    # Numbers and texts past what a column holds are refused as such, not left to the database.
    csv = "sku,name,category,price,cost,quantity,reorder_point\nA,Big,C,1,1,99999999999999999999,1\n"
    r = httpx.post(f"{server.url}/api/products/import", headers={**auth(token), "Content-Type": "text/csv"}, content=csv)
    assert r.status_code == 422 and "quantity" in r.json()["detail"], r.text
    r = httpx.post(f"{server.url}/api/products/import", headers={**auth(token), "Content-Type": "text/csv"},
                   content=csv.replace("99999999999999999999", "1").replace("Big", "B" * 300))
    assert r.status_code == 422 and "name is longer" in r.json()["detail"], r.text
    r = httpx.post(f"{server.url}/api/playbooks/{made.json()['id']}/execute", headers=auth(CRON_SECRET),
                   json={"triggeredBy": "manual", "orgId": "o" * 101})
    assert r.status_code == 422, r.text


def test_a_nul_anywhere_is_a_422_never_a_500(live):
    server, token, _ = live
    _probe_all(server, token)


@pytest.mark.postgres
def test_a_nul_anywhere_is_a_422_on_postgresql_too(pg_settings):
    with LiveServer(pg_settings) as server:
        _probe_all(server, issue_session_token(server.runtime.engine, "demo", "owner@example.com"))


@pytest.mark.parametrize(("label", "spec", "needle"), [
    ("51 steps", {**NOTIFY, "steps": [{"action": "notify", "params": {"message": "hi"}}] * 51}, "steps"),
    ("params over 64 KB", {**NOTIFY, "steps": [{"action": "notify", "params": {"message": "x" * 70_000}}]}, "params"),
    ("a long name", {**NOTIFY, "name": "n" * 201}, "name"),
    ("a long condition", {**NOTIFY, "steps": [{"action": "notify", "condition": "1 == 1 " * 400}]}, "condition"),
    ("21 triggers", {**NOTIFY, "triggers": [{"type": "manual"}] * 21}, "triggers"),
    ("a long cron", {**NOTIFY, "triggers": [{"type": "schedule", "cron": "0 " * 150}]}, "cron"),
])
def test_playbooks_are_bounded_in_size(live, label, spec, needle):
    server, token, _ = live
    r = httpx.post(f"{server.url}/api/playbooks", headers=auth(token), json=spec)
    assert r.status_code == 422, (label, r.text)
    assert needle in r.json()["detail"], (label, r.text)


def test_execute_and_chat_are_rate_limited_per_organisation(live):
    server, token, theirs = live
    ours = httpx.post(f"{server.url}/api/playbooks", headers=auth(token), json=NOTIFY).json()["id"]
    mine = httpx.post(f"{server.url}/api/playbooks", headers=auth(theirs), json=NOTIFY).json()["id"]
    run = {"triggeredBy": "manual"}
    for _ in range(3):
        assert httpx.post(f"{server.url}/api/playbooks/{ours}/execute", headers=auth(token), json=run).status_code == 202
    r = httpx.post(f"{server.url}/api/playbooks/{ours}/execute", headers=auth(token), json=run)
    assert r.status_code == 429 and r.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(r.headers["retry-after"]) <= 60 and "3 a minute" in r.json()["detail"]
    # The cron secret spends the playbook's organisation's calls too.
    r = httpx.post(f"{server.url}/api/playbooks/{ours}/execute", headers=auth(CRON_SECRET), json={**run, "orgId": "demo"})
    assert r.status_code == 429
    # Another organisation has its own.
    assert httpx.post(f"{server.url}/api/playbooks/{mine}/execute", headers=auth(theirs), json=run).status_code == 202
    chat = {"messages": [{"role": "user", "parts": [{"type": "text", "text": "list my playbooks"}]}]}
    for _ in range(2):
        assert httpx.post(f"{server.url}/api/chat", headers=auth(token), json=chat, timeout=60).status_code == 200
    r = httpx.post(f"{server.url}/api/chat", headers=auth(token), json=chat)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


def test_a_bucket_refills_at_its_rate():
    now = [0.0]
    limits = RateLimits({"chat": 2}, clock=lambda: now[0])
    limits.spend("chat", "a")
    limits.spend("chat", "a")
    with pytest.raises(Exception) as refused:
        limits.spend("chat", "a")
    assert refused.value.status_code == 429 and refused.value.headers["Retry-After"] == "30"
    now[0] += 30  # one call back every 30 s at 2 a minute
    limits.spend("chat", "a")
    limits.spend("chat", "b")  # another organisation, another bucket
    RateLimits({"chat": 0}).spend("chat", "a")  # 0: no limit


def test_an_idempotency_key_on_create(live):
    server, token, theirs = live
    _idempotent_create(server, token, theirs)


@pytest.mark.postgres
def test_an_idempotency_key_on_create_on_postgresql(pg_settings):
    with LiveServer(pg_settings) as server:
        engine = server.runtime.engine
        with Session(engine) as session:
            session.add(Organization(id="other", name="Other Shop", timezone="UTC"))
            session.add(User(org_id="other", email="o@other.example"))
            session.commit()
        _idempotent_create(server, issue_session_token(engine, "demo", "owner@example.com"),
                           issue_session_token(engine, "other", "o@other.example"))


def _idempotent_create(server: LiveServer, token: str, theirs: str) -> None:
    url, headers = f"{server.url}/api/playbooks", {**auth(token), "Idempotency-Key": "create-1"}
    first = httpx.post(url, headers=headers, json=NOTIFY)
    spaced = json.dumps(NOTIFY, indent=2)  # the same JSON, spaced otherwise
    again = httpx.post(url, headers={**headers, "Content-Type": "application/json"}, content=spaced)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    other = httpx.post(url, headers=headers, json={**NOTIFY, "name": "Another"})
    assert other.status_code == 422 and "another request body" in other.json()["detail"]
    # The key belongs to the organisation: another one using it makes its own playbook.
    their = httpx.post(url, headers={**auth(theirs), "Idempotency-Key": "create-1"}, json=NOTIFY)
    assert their.status_code == 201 and their.json()["id"] != first.json()["id"] and their.json()["orgId"] == "other"


def test_an_idempotency_key_still_in_flight_is_a_409_and_a_failed_first_call_frees_it(live):
    server, token, _ = live
    url = f"{server.url}/api/playbooks"
    # A first call with this key is under way (claimed, not answered), as another request would leave it.
    import asyncio

    from api.idempotency import fingerprint_of

    keys = IdempotencyRepository(server.runtime.engine)
    asyncio.run(keys.claim("demo", "POST /api/playbooks", "busy", fingerprint_of(NOTIFY),
                           server.runtime.clock.now()))
    r = httpx.post(url, headers={**auth(token), "Idempotency-Key": "busy"}, json=NOTIFY)
    assert r.status_code == 409 and "in flight" in r.json()["detail"]
    bad = {**NOTIFY, "steps": [{"action": "no_such_action"}]}
    assert httpx.post(url, headers={**auth(token), "Idempotency-Key": "fixable"}, json=bad).status_code == 422
    # The refused call left nothing behind: the corrected one with the same key goes through.
    assert httpx.post(url, headers={**auth(token), "Idempotency-Key": "fixable"}, json=NOTIFY).status_code == 201


def test_session_tokens_expire_and_agent_keys_do_not(tmp_path):
    settings = Settings(PLAYBOOKS_HOME=tmp_path / "home", PLAYBOOKS_SESSION_TTL_HOURS=1)
    with LiveServer(settings) as server:
        engine = server.runtime.engine
        fresh = issue_session_token(engine, "demo", "owner@example.com")
        stale = issue_session_token(engine, "demo", "owner@example.com")
        key = issue_agent_key(engine, "demo", "pops")
        with Session(engine) as session:  # issued two hours ago, as far as the store knows; the key too
            for row in session.exec(select(ApiToken)):
                if row.token_hash in (hashlib.sha256(stale.encode()).hexdigest(), hashlib.sha256(key.encode()).hexdigest()):
                    row.created_at -= timedelta(hours=2)
                    session.add(row)
            session.commit()
        r = httpx.get(f"{server.url}/api/playbooks", headers=auth(stale))
        assert r.status_code == 401 and r.json()["detail"] == "invalid or expired token"
        assert httpx.get(f"{server.url}/api/playbooks", headers=auth(fresh)).status_code == 200
        assert httpx.get(f"{server.url}/api/playbooks", headers=auth(key)).status_code == 200


def test_readyz_says_ready_and_nothing_about_any_organisation(live):
    server, _, _ = live
    r = httpx.get(f"{server.url}/readyz")
    assert r.status_code == 200 and r.json() == {"status": "ready", "database": "ok", "scheduler": "running"}
