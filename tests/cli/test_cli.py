"""The `playbooks` command as a user runs it: plain errors with exit 1, JSON where asked."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler.demo.seed import seed_demo
from scheduler.settings import Settings
from scheduler.store.db import make_engine, migrate

PLAYBOOKS = str(Path(sys.executable).with_name("playbooks"))


def run(*args: str, home: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PLAYBOOKS_HOME": str(home)}
    env.pop("CRON_SECRET", None)
    return subprocess.run([PLAYBOOKS, *args], capture_output=True, text=True, env=env, input=stdin, timeout=120)


@pytest.fixture
def home(tmp_path) -> Path:
    path = tmp_path / "home"
    engine = make_engine(Settings(PLAYBOOKS_HOME=path))
    migrate(engine)
    seed_demo(engine)
    engine.dispose()
    return path


def test_schedule_preview_follows_new_york_across_the_spring_gap(tmp_path):
    out = run("schedule", "preview", "0 9 * * *", "--tz", "America/New_York", "--start", "2026-03-07T00:00:00Z",
              "--count", "3", "--json", home=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == ["2026-03-07T14:00:00Z", "2026-03-08T13:00:00Z", "2026-03-09T13:00:00Z"]


@pytest.mark.parametrize("args,needle", [
    (["schedule", "preview", "0 9 30 2 *", "--tz", "UTC"], "never fires"),
    (["schedule", "preview", "0 9 * *", "--tz", "UTC"], "5 fields"),
    (["schedule", "preview", "0 9 * * *", "--tz", "Mars/Olympus"], "Mars/Olympus"),
    (["schedule", "preview", "0 9 * * *", "--start", "yesterday-ish"], "ISO-8601"),
    (["schedule", "parse", "whenever the moon is full", "--tz", "UTC"], ""),
    (["schedule", "parse", "every day at 9am", "--tz", "Mars/Olympus"], "Mars/Olympus"),
    (["schedule", "parse", "every 0 minutes", "--tz", "UTC"], "every 0 minutes is no interval"),
    (["schedule", "preview", "0 9 * * *", "--count", "0"], "--count must be between 1 and 1000"),
    (["token", "--org", "nowhere", "--email", "a@b.c"], "no organisation 'nowhere'"),
    (["agent-key", "--org", "demo", "--agent", "bob"], "unknown persona"),
    (["chat", "hello", "--agent", "bogus"], "unknown persona 'bogus'"),
])
def test_bad_input_is_a_plain_message_and_exit_1(home, args, needle):
    out = run(*args, home=home)
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert out.stderr.startswith("error: ") and needle in out.stderr
    assert "Traceback" not in out.stderr


def test_schedule_parse_gives_cron_zone_and_words(tmp_path):
    out = run("schedule", "parse", "every weekday at 8:30am Pacific", "--tz", "America/New_York", "--json", home=tmp_path)
    assert out.returncode == 0, out.stderr
    parsed = json.loads(out.stdout)
    assert parsed["cron"].split()[:2] == ["30", "8"] and parsed["timezone"] == "America/Los_Angeles"
    assert parsed["description"]


def test_tokens_and_keys_are_printed(home):
    token = run("token", "--org", "demo", "--email", "owner@example.com", home=home)
    key = run("agent-key", "--org", "demo", "--agent", "pops", home=home)
    assert token.returncode == key.returncode == 0
    assert token.stdout.strip().startswith("pbs_") and key.stdout.strip().startswith("pba_")


def test_chat_in_the_terminal_creates_the_playbook(home):
    out = run("chat", "Every day at 9am email me a sales report", home=home)
    assert out.returncode == 0, out.stderr
    assert "create_playbook" in out.stdout and "every day at 9:00 AM, America/New_York" in out.stdout


def test_plan_batch_prints_one_line_per_request_in_order(tmp_path):
    lines = "".join(json.dumps({"id": f"r{i}", "text": t, "timezone": "America/Chicago"}) + "\n"
                    for i, t in enumerate(["Every Monday at 8am email me a weekly sales report", "do the thing"]))
    out = run("plan", "--batch", home=tmp_path, stdin=lines + "not json\n")
    assert out.returncode == 0, out.stderr
    plans = [json.loads(line) for line in out.stdout.splitlines()]
    assert [p.get("id") for p in plans[:2]] == ["r0", "r1"] and len(plans) == 3
    assert plans[0]["intent"] == "create_playbook"
    assert plans[0]["playbook"]["triggers"][0] == {"type": "schedule", "cron": "0 8 * * 1", "timezone": "America/Chicago"}
    assert plans[1]["intent"] == "clarify" and plans[2]["intent"] == "clarify"
    assert not (tmp_path / "playbooks.db").exists()


@pytest.mark.parametrize("env,needle", [
    ({"ANTHROPIC_API_KEY": "sk-test", "PLAYBOOKS_MODEL_STRONG": " "}, "PLAYBOOKS_MODEL_STRONG must name Claude models"),
    ({"PLAYBOOKS_SMTP_URL": "smtp://localhost:abc"}, "bad port"),
    ({"PLAYBOOKS_EXECUTOR": "celery"}, "PLAYBOOKS_EXECUTOR=celery needs PLAYBOOKS_REDIS_URL, the Celery broker"),
    ({"PLAYBOOKS_EXECUTOR": "rq"}, "PLAYBOOKS_EXECUTOR='rq' is not an executor; use 'inline' or 'celery'"),
    ({"PLAYBOOKS_EXECUTOR": "celery", "PLAYBOOKS_REDIS_URL": "http://127.0.0.1:6379"}, "PLAYBOOKS_REDIS_URL must look like redis://"),
    ({"PLAYBOOKS_EXECUTOR": "celery", "PLAYBOOKS_REDIS_URL": "redis://:hunter2@127.0.0.1:63x79/0"}, "redis://:***@127.0.0.1"),
])
def test_bad_settings_stop_the_cli_with_a_plain_message(home, env, needle):
    out = subprocess.run([PLAYBOOKS, "chat", "hello"], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PLAYBOOKS_HOME": str(home), **env})
    assert out.returncode == 1 and out.stderr.startswith("error: configuration: ") and needle in out.stderr
    assert "Traceback" not in out.stderr


NO_BROKER = "configuration: PLAYBOOKS_EXECUTOR=celery needs PLAYBOOKS_REDIS_URL"


@pytest.mark.parametrize("command,env,needle", [
    *[(command, env, NO_BROKER) for command in ("worker", "scheduler", "serve")
      for env in ({"PLAYBOOKS_EXECUTOR": "celery"}, {"PLAYBOOKS_EXECUTOR": "celery", "PLAYBOOKS_REDIS_URL": " "})],
    # serve runs inline by default; the scale-out processes do not (nothing would run their runs, or send them).
    *[(command, {}, "is a scale-out process: set PLAYBOOKS_EXECUTOR=celery and PLAYBOOKS_REDIS_URL")
      for command in ("worker", "scheduler")],
])
def test_scale_out_commands_fail_closed_without_celery_and_its_broker(home, command, env, needle):
    out = subprocess.run([PLAYBOOKS, command], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PLAYBOOKS_HOME": str(home), **env})
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert out.stderr.startswith("error: ") and needle in out.stderr and "Traceback" not in out.stderr
    assert "hunter2" not in out.stderr
