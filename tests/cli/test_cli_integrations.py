"""`playbooks integrations` and `playbooks users phone` from the command line."""
from __future__ import annotations

import json

from sqlmodel import Session, select
from standardwebhooks import Webhook

from scheduler.settings import Settings
from scheduler.store.db import make_engine
from scheduler.store.tables import Integration, User
from tests.cli.test_cli import home, run  # noqa: F401  (the demo home fixture)


def _rows(home_path) -> list[Integration]:
    engine = make_engine(Settings(PLAYBOOKS_HOME=home_path))
    with Session(engine) as session:
        rows = list(session.exec(select(Integration)))
    engine.dispose()
    return rows


def test_a_webhook_gets_a_secret_printed_once_and_never_listed(home):  # noqa: F811
    out = run("integrations", "add", "webhook", "--org", "demo", "--url", "https://hooks.example.com/in", home=home)
    assert out.returncode == 0, out.stderr
    secret = out.stdout.strip().splitlines()[-1]
    assert secret.startswith("whsec_")
    Webhook(secret)  # a secret the reference library reads
    [row] = _rows(home)
    assert (row.kind, row.name, row.url, row.secret) == ("webhook", "default", "https://hooks.example.com/in", secret)
    listed = run("integrations", "list", "--org", "demo", "--json", home=home)
    assert json.loads(listed.stdout) == [{"id": row.id, "kind": "webhook", "name": "default", "url": "https://hooks.example.com/in"}]
    assert secret not in listed.stdout and secret not in run("integrations", "list", "--org", "demo", home=home).stdout


def test_a_slack_url_is_added_and_its_secret_path_never_shown_again(home):  # noqa: F811
    url = "https://hooks.slack.com/services/T000/B000/XXXXXXXX"
    out = run("integrations", "add", "slack", "--org", "demo", "--url", url, "--name", "#ops", home=home)
    assert out.returncode == 0, out.stderr
    assert "XXXXXXXX" not in out.stdout
    listed = run("integrations", "list", "--org", "demo", home=home).stdout
    assert "#ops" in listed and "hooks.slack.com" in listed and "XXXXXXXX" not in listed
    taken = run("integrations", "add", "slack", "--org", "demo", "--url", url, "--name", "#ops", home=home)
    assert taken.returncode == 1 and taken.stderr == "error: a slack integration named '#ops' already exists\n"
    [row] = _rows(home)
    assert run("integrations", "remove", row.id, "--org", "demo", home=home).returncode == 0
    assert _rows(home) == []
    gone = run("integrations", "remove", row.id, "--org", "demo", home=home)
    assert gone.returncode == 1 and gone.stderr.startswith("error: no integration")


def test_bad_input_is_a_clear_error(home):  # noqa: F811
    cases = [
        (("integrations", "add", "teams", "--org", "demo", "--url", "https://x.example"), "unknown integration kind 'teams'"),
        (("integrations", "add", "slack", "--org", "nope", "--url", "https://x.example"), "unknown organisation 'nope'"),
        (("integrations", "add", "webhook", "--org", "demo", "--url", "http://169.254.169.254/x"), "metadata"),
        (("integrations", "add", "webhook", "--org", "demo", "--url", "http://127.0.0.1:8000/x"), "loopback"),
        (("integrations", "add", "webhook", "--org", "demo", "--url", "ftp://x.example/"), "only http and https"),
        (("users", "phone", "--org", "demo", "--email", "owner@example.com", "--phone", "call me"), "not a phone number"),
        (("users", "phone", "--org", "demo", "--email", "nobody@example.com", "--phone", "+15555550111"), "no user"),
    ]
    for args, message in cases:
        out = run(*args, home=home)
        assert out.returncode == 1 and out.stderr.startswith("error: ") and message in out.stderr, (args, out.stderr)
    assert _rows(home) == []


def test_users_phone_sets_the_number_texts_go_to(home):  # noqa: F811
    out = run("users", "phone", "--org", "demo", "--email", "Owner@Example.com", "--phone", "+1 555-555-0111", home=home)
    assert out.returncode == 0 and out.stdout == "owner@example.com: +15555550111\n"
    engine = make_engine(Settings(PLAYBOOKS_HOME=home))
    with Session(engine) as session:
        assert session.exec(select(User.phone).where(User.email == "owner@example.com")).one() == "+15555550111"
    engine.dispose()
