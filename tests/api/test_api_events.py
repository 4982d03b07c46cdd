"""Events over HTTP: POST /api/events, inventory and order writes that emit, hand runs of event playbooks."""
from __future__ import annotations

import httpx
from sqlmodel import Session

from scheduler.auth.tokens import issue_session_token
from scheduler.store.tables import Notification, Organization, User
from tests.conftest import auth, execution, wait_for

LOW_STOCK = {"name": "Low Stock Alert", "agent": "pops", "triggers": [{"type": "event", "event": "inventory.low_stock"}],
             "steps": [{"action": "notify", "params": {"message": "Low stock: {{event.product_name}} has {{event.quantity}} left."}}]}
BIG_ORDER = {"name": "Large Order Alert", "agent": "pops",
             "triggers": [{"type": "event", "event": "order.created", "filter": "{{event.total}} > 500"}],
             "steps": [{"action": "notify", "params": {"message": "New order {{event.order_id}} for ${{event.total}}."}}]}


def _create(server, token, spec) -> dict:
    r = httpx.post(f"{server.url}/api/playbooks", json=spec, headers=auth(token))
    assert r.status_code == 201, r.text
    return r.json()


def _done(server, run_id: str) -> dict:
    return wait_for(lambda: (e := execution(server, run_id))["status"] in ("completed", "failed") and e)


def _notes(server, run: dict) -> str:
    """The body of the notification the run's notify step left."""
    with Session(server.runtime.engine) as session:
        return session.get(Notification, run["stepResults"][0]["output"]["notification_id"]).body


def test_post_event_starts_listeners_once_per_id_and_refuses_unknown_names(server, user_token):
    playbook = _create(server, user_token, BIG_ORDER)
    url = f"{server.url}/api/events"
    event = {"name": "order.created", "data": {"order_id": "pos-1", "total": 640}, "id": "pos-1"}
    r = httpx.post(url, json=event, headers=auth(user_token))
    assert r.status_code == 202, r.text
    assert r.json()["eventId"] == "pos-1" and not r.json()["replayed"] and len(r.json()["executionIds"]) == 1
    run = _done(server, r.json()["executionIds"][0])
    assert run["playbookId"] == playbook["id"] and run["triggeredBy"] == "event" and run["status"] == "completed"
    assert "New order pos-1 for $640" in _notes(server, run)
    again = httpx.post(url, json=event, headers=auth(user_token)).json()
    assert again["replayed"] and again["executionIds"] == r.json()["executionIds"]
    small = httpx.post(url, json={"name": "order.created", "data": {"total": 20}}, headers=auth(user_token)).json()
    assert small["executionIds"] == [] and small["eventId"].startswith("evt_")

    bad = httpx.post(url, json={"name": "inventory.exploded", "data": {}}, headers=auth(user_token))
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert "inventory.low_stock" in bad.json()["detail"] and "order.created" in bad.json()["knownEvents"]
    log = httpx.get(url, headers=auth(user_token)).json()["items"]
    assert [e["eventId"] for e in log][-1] == "pos-1" and log[0]["status"] == "delivered"


def test_inventory_write_emits_low_stock_once_and_another_org_cannot_write_our_items(server, user_token):
    _create(server, user_token, LOW_STOCK)
    item = httpx.get(f"{server.url}/api/products", headers=auth(user_token)).json()["items"][0]
    url = f"{server.url}/api/inventory/{item['id']}"
    r = httpx.put(url, json={"quantity": 50, "reorderPoint": 10}, headers=auth(user_token))
    assert r.status_code == 200, r.text
    low = httpx.put(url, json={"quantity": 4}, headers=auth(user_token)).json()
    assert low["quantity"] == 4 and [e["name"] for e in low["events"]] == ["inventory.low_stock"]
    run = _done(server, low["events"][0]["executionIds"][0])
    assert f"Low stock: {item['name']} has 4 left." in _notes(server, run)
    assert httpx.put(url, json={"quantity": 3}, headers=auth(user_token)).json()["events"] == []
    assert httpx.put(url, json={"quantity": -1}, headers=auth(user_token)).status_code == 422

    with Session(server.runtime.engine) as session:
        session.add(Organization(id="rival", name="Rival", timezone="UTC"))
        session.add(User(org_id="rival", email="o@rival.example"))
        session.commit()
    theirs = issue_session_token(server.runtime.engine, "rival", "o@rival.example")
    assert httpx.put(url, json={"quantity": 0}, headers=auth(theirs)).status_code == 404
    # Their event of the same name starts none of our playbooks.
    assert httpx.post(f"{server.url}/api/events", json={"name": "inventory.low_stock", "data": {}},
                      headers=auth(theirs)).json()["executionIds"] == []


def test_an_order_emits_order_created_with_its_total_and_a_new_customer(server, user_token):
    _create(server, user_token, BIG_ORDER)
    items = httpx.get(f"{server.url}/api/products", headers=auth(user_token)).json()["items"]
    line = {"productId": items[0]["id"], "quantity": 2, "unitPrice": 300}
    r = httpx.post(f"{server.url}/api/orders", json={"items": [line], "customer": {"name": "Jo", "email": "jo@new.example"}},
                   headers=auth(user_token))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["record"]["total"] == 600.0 and body["record"]["customerId"].startswith("cus_")
    assert body["record"]["items"][0]["productId"] == items[0]["id"] and body["record"]["items"][0]["unitPrice"] == 300
    names = [e["name"] for e in body["events"]]
    assert names[0] == "customer.created" and names[-1] == "order.created"
    order_event = body["events"][-1]
    assert len(order_event["executionIds"]) == 1
    assert "for $600.0" in _notes(server, _done(server, order_event["executionIds"][0]))
    assert httpx.post(f"{server.url}/api/customers", json={"name": "Jo", "email": "jo@new.example"},
                      headers=auth(user_token)).status_code == 409
    made = httpx.post(f"{server.url}/api/customers", json={"name": "Sam"}, headers=auth(user_token))
    assert made.status_code == 201 and [e["name"] for e in made.json()["events"]] == ["customer.created"]
    assert httpx.post(f"{server.url}/api/orders", json={}, headers=auth(user_token)).status_code == 422
    assert httpx.post(f"{server.url}/api/orders", json={"items": [{"productId": "prd_nope", "quantity": 1}]},
                      headers=auth(user_token)).status_code == 404


def test_an_event_playbook_runs_by_hand_with_an_event_or_the_example(server, user_token):
    playbook = _create(server, user_token, LOW_STOCK)
    url = f"{server.url}/api/playbooks/{playbook['id']}/execute"
    r = httpx.post(url, json={"triggeredBy": "event", "event": {"product_name": "Blue Dream", "quantity": 2}},
                   headers=auth(user_token))
    assert r.status_code == 202, r.text
    run = _done(server, r.json()["executionId"])
    assert run["status"] == "completed" and "Blue Dream has 2 left." in _notes(server, run)
    plain = _done(server, httpx.post(url, json={"triggeredBy": "event"}, headers=auth(user_token)).json()["executionId"])
    assert plain["status"] == "completed" and "Example Product has 3 left." in _notes(server, plain)
    manual = _done(server, httpx.post(url, json={}, headers=auth(user_token)).json()["executionId"])
    assert manual["status"] == "completed", manual  # a plain "run now" of an event playbook works too
