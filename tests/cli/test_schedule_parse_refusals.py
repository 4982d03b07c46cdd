"""`playbooks schedule parse` refuses what it cannot honour: `error: <why>` and exit 1, never a guess."""
from __future__ import annotations

from tests.cli.test_cli import run


def test_schedule_parse_refuses_with_the_reason(tmp_path):
    cases = {
        "at 9am Mars time": "'Mars' is not a time zone I know",
        "every 90 minutes": "no cron fires 90 minutes apart",
        "every other week": "cannot repeat every other week",
        "every day at 25:00": "25:00 is not a time of day",
        "February 30th": "February has no day 30",
    }
    for text, reason in cases.items():
        out = run("schedule", "parse", text, "--tz", "America/New_York", "--json", home=tmp_path)
        assert out.returncode == 1 and out.stdout == "", (text, out.stdout)
        assert out.stderr.startswith("error: ") and reason in out.stderr, (text, out.stderr)
