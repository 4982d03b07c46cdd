"""A shop of one's own from the command line: an organisation, its catalogue, its competitors."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, select

from scheduler.demo.seed import seed_demo
from scheduler.settings import Settings
from scheduler.store.db import make_engine, migrate
from scheduler.store.tables import Organization, Product, User
from tests.cli.test_cli import run

CSV = Path(__file__).resolve().parent.parent / "fixtures" / "pages" / "our-products.csv"
HEADER = "sku,name,category,price,cost,quantity,reorder_point\n"


@pytest.fixture
def home(tmp_path) -> Path:
    """PLAYBOOKS_HOME with a migrated store holding the demo organisation."""
    path = tmp_path / "home"
    engine = make_engine(Settings(PLAYBOOKS_HOME=path))
    migrate(engine)
    seed_demo(engine)
    engine.dispose()
    return path


def _products(home: Path, org: str) -> dict[str, Product]:
    engine = make_engine(Settings(PLAYBOOKS_HOME=home))
    with Session(engine) as session:
        found = {p.sku: p for p in session.exec(select(Product).where(Product.org_id == org))}
    engine.dispose()
    return found


def test_org_create_makes_the_organisation_and_its_owner(tmp_path):
    home = tmp_path / "home"
    out = run("org", "create", "acme", "--name", "Acme Cannabis", "--timezone", "America/Chicago",
              "--owner-email", "Boss@Acme.example", home=home)
    assert out.returncode == 0, out.stderr
    engine = make_engine(Settings(PLAYBOOKS_HOME=home))
    with Session(engine) as session:
        org = session.get(Organization, "acme")
        assert (org.name, org.timezone) == ("Acme Cannabis", "America/Chicago")
        assert session.exec(select(User.email).where(User.org_id == "acme")).all() == ["boss@acme.example"]
    engine.dispose()
    token = run("token", "--org", "acme", "--email", "boss@acme.example", home=home)
    assert token.returncode == 0 and token.stdout.strip()


def test_org_create_refuses_a_bad_zone_and_a_taken_id(tmp_path):
    home = tmp_path / "home"
    bad = run("org", "create", "acme", "--name", "Acme", "--timezone", "Mars/Olympus", "--owner-email", "a@acme.example", home=home)
    assert bad.returncode == 1 and bad.stderr.startswith("error: ") and "Mars/Olympus" in bad.stderr
    assert run("org", "create", "acme", "--name", "Acme", "--timezone", "UTC", "--owner-email", "a@acme.example", home=home).returncode == 0
    taken = run("org", "create", "acme", "--name", "Other", "--timezone", "UTC", "--owner-email", "b@acme.example", home=home)
    assert taken.returncode == 1 and taken.stderr == "error: organisation 'acme' already exists\n"


def test_products_import_adds_then_updates_by_sku(tmp_path):
    home = tmp_path / "home"
    assert run("org", "create", "acme", "--name", "Acme", "--timezone", "UTC", "--owner-email", "a@acme.example", home=home).returncode == 0
    first = run("products", "import", str(CSV), "--org", "acme", home=home)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "41 added, 0 updated"
    changed = home.parent / "changed.csv"
    changed.write_text(HEADER + "PR-SD-1,Sour Diesel Pre-Roll 1g,Pre-Rolls,11.50,4.50,38,15\nNEW-1,Kief 2g,Concentrates,25,9,5,2\n")
    second = run("products", "import", str(changed), "--org", "acme", home=home)
    assert second.stdout.strip() == "1 added, 1 updated", second.stderr
    products = _products(home, "acme")
    assert products["PR-SD-1"].price == 11.5 and products["PR-SD-1"].quantity == 38
    assert products["NEW-1"].name == "Kief 2g" and len(products) == 42


def test_a_bad_row_refuses_the_whole_file_naming_its_line(home):
    bad = home.parent / "bad.csv"
    bad.write_text(HEADER + "A-1,Good One,Flower,10,5,1,1\n\nB-2,Bad One,Flower,ten,5,1,1\n")
    out = run("products", "import", str(bad), "--org", "demo", home=home)
    assert out.returncode == 1
    assert out.stderr.startswith("error: ") and "line 4: price 'ten' is not a number" in out.stderr
    assert "A-1" not in _products(home, "demo")
    header = home.parent / "header.csv"
    header.write_text("sku,name,price\nA,B,1\n")
    out = run("products", "import", str(header), "--org", "demo", home=home)
    assert out.returncode == 1 and "line 1: the header must be" in out.stderr
    assert run("products", "import", str(CSV), "--org", "nowhere", home=home).returncode == 1


def test_competitors_add_and_list(home):
    added = run("competitors", "add", "--org", "demo", "--name", "Budget Buds", "--url", "https://budgetbuds.example/menu", home=home)
    assert added.returncode == 0, added.stderr
    selectors = json.dumps({"item": ".tile", "name": ".tile-head", "price": ".amt"})
    assert run("competitors", "add", "--org", "demo", "--name", "Lakeside Leaf", "--url", "https://lakeside.example/",
               "--selectors", selectors, home=home).returncode == 0
    listed = run("competitors", "list", "--org", "demo", "--json", home=home)
    assert [(c["name"], c["url"], c["selectors"]) for c in json.loads(listed.stdout)] == [
        ("Budget Buds", "https://budgetbuds.example/menu", None),
        ("Lakeside Leaf", "https://lakeside.example/", json.loads(selectors))]


def test_competitors_add_refuses_what_could_never_be_fetched(home):
    for url, needle in (("ftp://budgetbuds.example/", "only http and https"), ("http://10.0.0.1/menu", "private address"),
                        ("budgetbuds.example", "http:// or https://"), ("http://127.0.0.1:8080/", "loopback")):
        out = run("competitors", "add", "--org", "demo", "--name", "X", "--url", url, home=home)
        assert out.returncode == 1 and out.stderr.startswith("error: ") and needle in out.stderr, (url, out.stderr)
    bad = run("competitors", "add", "--org", "demo", "--name", "X", "--url", "https://x.example/", "--selectors", "{nope", home=home)
    assert bad.returncode == 1 and "--selectors is not JSON" in bad.stderr
    assert run("competitors", "add", "--org", "demo", "--name", "X", "--url", "https://x.example/", home=home).returncode == 0
    again = run("competitors", "add", "--org", "demo", "--name", "X", "--url", "https://y.example/", home=home)
    assert again.returncode == 1 and "already exists" in again.stderr
