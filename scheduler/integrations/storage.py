"""Saved files: a local folder by default ($PLAYBOOKS_HOME/drive/), any fsspec URL by configuration.

Each organisation writes under its own folder, `<base>/<org_id>/<folder>/<file>`. Folder and file
names come from a playbook (so from chat): they are one safe segment each, never `..` or absolute.
"""
from __future__ import annotations

import asyncio
import re

from fsspec.core import split_protocol, url_to_fs

from scheduler.settings import Settings

# fsspec's http(s) file systems would make server-side requests past the guarded transport.
REFUSED_PROTOCOLS = {"http", "https"}
_SEGMENT = re.compile(r"^[\w][\w .,()+-]{0,99}$")


class StorageError(Exception):
    """A file could not be saved; `transient` when trying again may work."""

    def __init__(self, message: str, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


def check_segment(value: str, what: str) -> str:
    """`value` when it is one safe path segment (letters, digits, space . , ( ) + - _; not starting with a dot)."""
    value = value.strip()
    if not _SEGMENT.match(value) or value.endswith("."):
        raise ValueError(f"{what} {value!r} must be 1 to 100 letters, digits, spaces or . , ( ) + - _, "
                         "not starting with a dot or other sign")
    return value


def drive_base(settings: Settings) -> str:
    """The configured fsspec URL, or the local drive folder."""
    return settings.drive_url or str((settings.home / "drive").resolve())


async def save_file(settings: Settings, org_id: str, folder: str, name: str, data: bytes) -> str:
    """Write `data` as `<base>/<org>/<folder>/<name>` (replacing a file of that name); answers its full location."""
    return await asyncio.to_thread(_save, drive_base(settings), org_id, folder, name, data)


def _save(base: str, org_id: str, folder: str, name: str, data: bytes) -> str:
    if (split_protocol(base)[0] or "").lower() in REFUSED_PROTOCOLS:
        raise StorageError("PLAYBOOKS_DRIVE_URL may not be an http(s) URL: use a storage protocol (s3://, gcs://, ...)", False)
    try:
        fs, root = url_to_fs(base)
    except (ValueError, ImportError) as exc:
        raise StorageError(f"PLAYBOOKS_DRIVE_URL {base!r} cannot be used: {exc}", False) from None
    directory = "/".join(part.strip("/") for part in (root.rstrip("/"), org_id, folder))
    if root.startswith("/"):
        directory = "/" + directory.lstrip("/")
    path = f"{directory}/{name}"
    try:
        fs.makedirs(directory, exist_ok=True)
        # Written whole under a temporary name, then moved: a reader never sees half a file.
        tmp = f"{directory}/.{name}.tmp"
        fs.pipe_file(tmp, data)
        fs.mv(tmp, path)
    except OSError as exc:
        raise StorageError(f"could not save {path}: {exc}", True) from exc
    return fs.unstrip_protocol(path)
