"""`playbooks serve` refuses a bad or busy port before its banner; `playbooks token revoke`; the token is printed once."""
from __future__ import annotations

import socket
import subprocess

from scheduler.auth.tokens import authenticate_token
from scheduler.settings import Settings
from scheduler.store.db import make_engine
from tests.cli.test_cli import PLAYBOOKS, home, run  # noqa: F401 (home is a fixture)


def test_a_port_out_of_range_is_refused(tmp_path):
    for port in ("99999", "0", "-1"):
        out = run("serve", "--port", port, home=tmp_path)
        assert out.returncode == 1, out.stdout
        assert "error: --port must be between 1 and 65535" in out.stderr
        assert "Playbooks on" not in out.stdout


def test_a_port_in_use_fails_before_the_banner(tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    try:
        out = run("serve", "--port", str(busy.getsockname()[1]), home=tmp_path)
    finally:
        busy.close()
    assert out.returncode == 1
    assert "error: cannot listen on 127.0.0.1:" in out.stderr and "in use" in out.stderr
    assert "Playbooks on" not in out.stdout and "Demo token" not in out.stdout


def test_make_run_passes_the_port_on():
    out = subprocess.run(["make", "-n", "run", "PORT=8001"], capture_output=True, text=True, check=True)
    assert "playbooks serve --port 8001" in out.stdout


def test_token_revoke_refuses_the_token_from_then_on(home):  # noqa: F811 (the fixture)
    token = run("token", "--org", "demo", "--email", "owner@example.com", home=home).stdout.strip()
    engine = make_engine(Settings(PLAYBOOKS_HOME=home))
    assert authenticate_token(engine, token) is not None
    out = run("token", "revoke", token, home=home)
    assert out.returncode == 0 and "revoked" in out.stdout
    # A fresh engine: this process remembers a verified token for a second (the revocation bound), per engine.
    assert authenticate_token(make_engine(Settings(PLAYBOOKS_HOME=home)), token) is None
    again = run("token", "revoke", token, home=home)
    assert again.returncode == 1 and again.stderr.startswith("error: no such live token")
    assert run("token", home=home).returncode == 1  # no --org/--email, no subcommand: a clear error
