"""The catalogue and the competitors over HTTP: problem+json for bad input, another organisation's ids are 404."""
from __future__ import annotations

from pathlib import Path

import httpx
from sqlmodel import Session

from scheduler.auth.tokens import issue_session_token
from scheduler.store.tables import Organization, User
from tests.conftest import auth

HEADER = "sku,name,category,price,cost,quantity,reorder_point\n"
# The fixture catalogue under skus of its own: the demo shop already holds the fixture's skus.
CSV = HEADER + "".join(f"X-{line}\n" for line in (Path(__file__).resolve().parent.parent / "fixtures" / "pages" /
                                                   "our-products.csv").read_text().splitlines()[1:])


def _import(server, token, text: str, kind: str = "text/csv") -> httpx.Response:
    return httpx.post(f"{server.url}/api/products/import", content=text.encode(), headers={**auth(token), "Content-Type": kind})


def test_import_then_list_products(server, user_token):
    r = _import(server, user_token, CSV)
    assert r.status_code == 200, r.text
    assert r.json() == {"added": 41, "updated": 0}
    assert _import(server, user_token, HEADER + "X-PR-SD-1,Sour Diesel Pre-Roll 1g,Pre-Rolls,11,4.5,40,15\n").json() == {
        "added": 0, "updated": 1}
    items = httpx.get(f"{server.url}/api/products?limit=200", headers=auth(user_token)).json()["items"]
    pre_roll = next(p for p in items if p["sku"] == "X-PR-SD-1")
    assert pre_roll == {"id": pre_roll["id"], "sku": "X-PR-SD-1", "name": "Sour Diesel Pre-Roll 1g", "category": "Pre-Rolls",
                        "price": 11.0, "cost": 4.5, "quantity": 40, "reorderPoint": 15}
    assert len(items) == 82 and len([p for p in items if p["sku"].startswith("X-")]) == 41


def test_a_bad_line_is_a_422_naming_it_and_nothing_is_imported(server, user_token):
    r = _import(server, user_token, HEADER + "A-1,Good,Flower,10,5,1,1\nA-2,,Flower,10,5,1,1\n")
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"] == "line 3: name is empty"
    items = httpx.get(f"{server.url}/api/products?limit=200", headers=auth(user_token)).json()["items"]
    assert not any(p["sku"] == "A-1" for p in items)
    assert _import(server, user_token, HEADER + "A-1,Good,Flower,10,5,1,1\nA-1,Again,Flower,10,5,1,1\n").json()["detail"] == (
        "line 3: sku 'A-1' appears twice in the file")
    assert _import(server, user_token, '{"sku": 1}', kind="application/json").status_code == 415


def test_competitors_add_list_delete(server, user_token):
    url = f"{server.url}/api/competitors"
    r = httpx.post(url, json={"name": "Budget Buds", "url": "https://budgetbuds.example/menu"}, headers=auth(user_token))
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["name"] == "Budget Buds" and made["orgId"] == "demo" and made["selectors"] is None
    assert httpx.post(url, json={"name": "Budget Buds", "url": "https://b.example/"}, headers=auth(user_token)).status_code == 409
    assert [c["id"] for c in httpx.get(url, headers=auth(user_token)).json()["items"]] == [made["id"]]
    assert httpx.delete(f"{url}/{made['id']}", headers=auth(user_token)).status_code == 204
    assert httpx.get(url, headers=auth(user_token)).json()["items"] == []
    assert httpx.delete(f"{url}/{made['id']}", headers=auth(user_token)).status_code == 404


def test_a_competitor_url_must_be_fetchable(server, user_token):
    url = f"{server.url}/api/competitors"
    for bad, needle in (("file:///etc/passwd", "only http and https"), ("gopher://x.example/", "only http and https"),
                        ("http://169.254.169.254/latest/meta-data/", "blocked"), ("menu.example", "http:// or https://")):
        r = httpx.post(url, json={"name": "X", "url": bad}, headers=auth(user_token))
        assert r.status_code == 422 and needle in r.json()["detail"], (bad, r.text)
    r = httpx.post(url, json={"name": "X", "url": "https://x.example/", "selectors": {"item": ".tile"}}, headers=auth(user_token))
    assert r.status_code == 422 and "selectors need name, price" in r.json()["detail"]


def test_another_organisations_competitor_is_404(server, user_token):
    with Session(server.runtime.engine) as session:
        session.add(Organization(id="other", name="Other Shop", timezone="UTC"))
        session.add(User(org_id="other", email="o@other.example"))
        session.commit()
    theirs = issue_session_token(server.runtime.engine, "other", "o@other.example")
    made = httpx.post(f"{server.url}/api/competitors", json={"name": "Budget Buds", "url": "https://b.example/"},
                      headers=auth(theirs)).json()
    assert httpx.delete(f"{server.url}/api/competitors/{made['id']}", headers=auth(user_token)).status_code == 404
    assert httpx.get(f"{server.url}/api/competitors", headers=auth(user_token)).json()["items"] == []
    assert len(httpx.get(f"{server.url}/api/competitors", headers=auth(theirs)).json()["items"]) == 1
