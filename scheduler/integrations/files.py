"""Files steps make, under $PLAYBOOKS_HOME/files/<org>/: written whole or not at all, read back only from there."""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from scheduler.settings import Settings

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # all of one message's attachments together


class FileRefused(ValueError):
    """A file reference that does not name one of this organisation's files."""


@dataclass(frozen=True)
class StoredFile:
    """A file a step wrote: its name, its path relative to the files folder, type, size and hash."""

    name: str
    path: str
    content_type: str
    bytes: int
    sha256: str

    def as_output(self) -> dict[str, object]:
        """The `file` object of a step's output, which delivery steps attach."""
        return {"name": self.name, "path": self.path, "content_type": self.content_type, "bytes": self.bytes,
                "sha256": self.sha256}


def files_root(settings: Settings) -> Path:
    """Where steps keep the files they make."""
    return settings.home / "files"


def safe_name(name: str) -> str:
    """A file name of letters, digits, dot, dash and underscore only."""
    return re.sub(r"[^A-Za-z0-9_.-]", "-", name).strip(".-") or "file"


def write_file(settings: Settings, org_id: str, name: str, data: bytes, content_type: str) -> StoredFile:
    """Write `data` as files/<org>/<name>, atomically: a retried step replaces its own file, never half of one."""
    folder = files_root(settings) / safe_name(org_id)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / safe_name(name)
    tmp = folder / f".{final.name}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, final)
    return StoredFile(final.name, f"{folder.name}/{final.name}", content_type, len(data), hashlib.sha256(data).hexdigest())


def read_file(settings: Settings, org_id: str, path: str) -> bytes:
    """The bytes of one of the organisation's files, by its relative path; anything outside its folder is refused."""
    folder = (files_root(settings) / safe_name(org_id)).resolve()
    target = (files_root(settings) / path).resolve()
    if not target.is_relative_to(folder) or target == folder:
        raise FileRefused(f"{path!r} is not a file of this organisation")
    if not target.is_file():
        raise FileRefused(f"file {path!r} is gone (files are kept in $PLAYBOOKS_HOME/files/)")
    return target.read_bytes()
