"""Writing index generations atomically.

A generation is built under ``generations/.tmp-<id>``, fsynced, renamed to
``generations/<id>``, and only then named in CURRENT (temp file + ``os.replace``). A process
killed at any point leaves CURRENT naming the previous, complete generation; leftovers are
removed by the next ingest. One ingest at a time holds ``.lock`` (an flock, released by the
kernel even on SIGKILL).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from ingest.checkpoints import checkpoint
from regkb.errors import RegkbError
from regkb.index import CURRENT, GENERATIONS, generation_dir

log = logging.getLogger(__name__)

TMP_PREFIX = ".tmp-"
LOCK_FILE = ".lock"


class IndexLock:
    """Exclusive writer lock on an index directory (non-blocking: a second writer fails fast)."""

    def __init__(self, index_dir: Path) -> None:
        self.path = Path(index_dir) / LOCK_FILE
        self._fd: int | None = None

    def __enter__(self) -> IndexLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RegkbError(
                f"{self.path.parent}: another ingest is writing this index; wait for it to finish"
            ) from None
        self._fd = fd
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def new_generation(index_dir: Path) -> tuple[str, Path]:
    """A fresh generation id (sortable by time) and its temporary build directory."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    gen_id = f"{stamp}-{secrets.token_hex(3)}"
    tmp = Path(index_dir) / GENERATIONS / f"{TMP_PREFIX}{gen_id}"
    tmp.mkdir(parents=True)
    return gen_id, tmp


Release = Callable[[str], None]  # frees what a generation holds outside its directory


def _released(gen_id: str, release: Release | None) -> bool:
    """Run release for a generation about to be deleted; False (keep its directory) if it fails."""
    if release is None:
        return True
    try:
        release(gen_id)
    except Exception as exc:  # e.g. the chroma server is down: the next ingest tries again
        log.warning("could not release generation %s (%s); keeping it for the next ingest", gen_id, exc)
        return False
    return True


def clean_stale(index_dir: Path, release: Release | None = None) -> list[str]:
    """Remove temporary generations left by killed ingests (call while holding the lock).

    release(gen_id) runs first (e.g. dropping its collections on a chroma server), so a kill
    between the two leaves the directory to retry from.
    """
    root = Path(index_dir) / GENERATIONS
    removed = []
    if root.is_dir():
        for entry in root.iterdir():
            if entry.name.startswith(TMP_PREFIX) and _released(entry.name[len(TMP_PREFIX) :], release):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry.name)
    if removed:
        log.info("removed %d stale temporary generation(s)", len(removed))
    return removed


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """Flush every file and directory under root to disk."""
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            _fsync_path(Path(dirpath) / name)
        _fsync_path(Path(dirpath))


def commit(index_dir: Path, gen_id: str, tmp: Path) -> Path:
    """Make the built generation durable and current; returns its final directory."""
    index_dir = Path(index_dir)
    final = generation_dir(index_dir, gen_id)
    fsync_tree(tmp)
    checkpoint("fsynced")
    os.rename(tmp, final)
    _fsync_path(final.parent)
    checkpoint("renamed")
    pending = index_dir / f"{CURRENT}.tmp"
    with open(pending, "w", encoding="utf-8") as fh:
        fh.write(gen_id + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    checkpoint("switch-pending")
    os.replace(pending, index_dir / CURRENT)
    checkpoint("switched")
    _fsync_path(index_dir)
    return final


def collect_garbage(index_dir: Path, keep: set[str], release: Release | None = None) -> list[str]:
    """Delete complete generations not in keep (the new current and the one before it).

    release(gen_id) runs before a generation's directory is removed, as in clean_stale.
    """
    root = Path(index_dir) / GENERATIONS
    removed = []
    for entry in sorted(root.iterdir()):
        old = entry.is_dir() and not entry.name.startswith(TMP_PREFIX) and entry.name not in keep
        if old and _released(entry.name, release):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
    return removed
