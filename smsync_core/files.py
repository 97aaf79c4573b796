"""Hashing and atomic files: how a record is written so that readers see the old file or the new, never a torn one."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import sys
from pathlib import Path

from smsync_core.errors import DiskFull

#: The errors of a full disk (or a full quota).
FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable (a no-op where directories cannot be synced)."""
    if sys.platform == "win32":  # directories cannot be opened for fsync on Windows
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a torn one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:  # never leave the temporary file behind, whatever went wrong
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError) and exc.errno in FULL:
            raise disk_full(path) from exc
        raise
    fsync_dir(path.parent)


def disk_full(path: Path) -> DiskFull:
    """The sentence for a write that failed because the disk is full."""
    return DiskFull(f"The disk holding {path.parent} is full, so {path.name} could not be written; free some "
                    "space and run the command again.")
