"""The cron secret: fail closed, rotation through CRON_SECRET_PREVIOUS and a re-read file."""
from __future__ import annotations

from scheduler.auth.tokens import is_cron_secret
from scheduler.settings import Settings


def test_no_secret_configured_accepts_nothing(tmp_path):
    settings = Settings(PLAYBOOKS_HOME=tmp_path)
    assert not any(is_cron_secret(settings, v) for v in (b"", b"None", b"null", b" "))


def test_current_and_previous_are_accepted_during_rotation(tmp_path):
    settings = Settings(PLAYBOOKS_HOME=tmp_path, CRON_SECRET="new-secret", CRON_SECRET_PREVIOUS="old-secret")
    assert is_cron_secret(settings, b"new-secret") and is_cron_secret(settings, b"old-secret")
    assert not is_cron_secret(settings, b"new-secre") and not is_cron_secret(settings, "new-secreté".encode())


def test_secret_file_is_reread_so_rotation_needs_no_restart(tmp_path):
    path = tmp_path / "secrets"
    path.write_text("first\n")
    settings = Settings(PLAYBOOKS_HOME=tmp_path, CRON_SECRET_FILE=path)
    assert is_cron_secret(settings, b"first")
    path.write_text("second\n\n")
    assert is_cron_secret(settings, b"second") and not is_cron_secret(settings, b"first")
    assert not is_cron_secret(settings, b"")
    path.unlink()
    assert not is_cron_secret(settings, b"second")
