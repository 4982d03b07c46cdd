"""save_to_drive: the local drive folder by default, any fsspec URL by configuration; names stay inside the org's folder."""
from __future__ import annotations

import uuid

import fsspec
import pytest

from scheduler.settings import Settings
from tests.conftest import running
from tests.scheduler.delivery_helpers import report_then, resume_after_crash, run_playbook


async def test_the_report_is_saved_in_the_organisations_drive_folder_once(settings):
    async with running(settings) as runtime:
        run_id, run = await run_playbook(runtime, report_then("save_to_drive", {"folder": "Playbooks"}))
        assert run["status"] == "completed", run
        folder = settings.home / "drive" / "demo" / "Playbooks"
        [saved] = list(folder.iterdir())
        assert saved.name.endswith(f"-{run_id}-1.txt")
        assert saved.read_text() == run["stepResults"][0]["output"]["summary"]
        output = run["stepResults"][1]["output"]
        assert output["location"] == f"file://{saved}" and output["bytes"] == saved.stat().st_size
        saved.unlink()
        again = await resume_after_crash(runtime, run_id, 1)
        assert again["status"] == "completed" and list(folder.iterdir()) == []  # recorded: not saved again


async def test_an_fsspec_url_takes_the_file_instead(settings):
    bucket = f"memory://drive-{uuid.uuid4().hex}"
    configured = Settings(PLAYBOOKS_HOME=settings.home, PLAYBOOKS_LEASE_SECONDS=2, PLAYBOOKS_DRIVE_URL=bucket)
    async with running(configured) as runtime:
        _, run = await run_playbook(runtime, report_then(
            "save_to_drive", {"folder": "Reports", "filename": "sales.txt", "content": "{{sales_report.summary}}"}))
    assert run["status"] == "completed", run
    fs = fsspec.filesystem("memory")
    path = bucket.removeprefix("memory:/") + "/demo/Reports/sales.txt"
    assert fs.cat(path).decode() == run["stepResults"][0]["output"]["summary"]
    assert run["stepResults"][1]["output"]["location"] == "memory://" + path
    assert not (settings.home / "drive").exists()


async def test_an_http_drive_url_is_refused(settings):
    configured = Settings(PLAYBOOKS_HOME=settings.home, PLAYBOOKS_LEASE_SECONDS=2, PLAYBOOKS_DRIVE_URL="http://127.0.0.1:9/x")
    async with running(configured) as runtime:
        _, run = await run_playbook(runtime, report_then("save_to_drive", {}))
    assert run["status"] == "failed" and "may not be an http(s) URL" in run["stepResults"][1]["error"]


@pytest.mark.parametrize("bad", ["../../etc", "/abs", ".hidden", "a/b", "a\\b", ""])
def test_a_folder_or_file_name_that_leaves_the_folder_is_refused_when_saved(bad):
    from scheduler.steps.delivery.drive import SaveToDriveParams

    with pytest.raises(ValueError, match="must be 1 to 100"):
        SaveToDriveParams(folder=bad)
    with pytest.raises(ValueError, match="must be 1 to 100"):
        SaveToDriveParams(filename=bad)


async def test_a_rendered_name_is_checked_again_at_run_time(settings):
    async with running(settings) as runtime:
        _, run = await run_playbook(runtime, report_then("save_to_drive", {"filename": "{{org.id}}/../../escape.txt"}))
    assert run["status"] == "failed" and "must be 1 to 100" in run["stepResults"][1]["error"]
    assert not (settings.home / "escape.txt").exists() and not (settings.home / "drive").exists()
