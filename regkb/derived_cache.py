"""Fast-loading copies of state derived from shipped files (model tables, dictionaries).

A cache entry is a pure function of its sources. Its name carries a sha256 of the sources'
bytes, the library version that built it and a format number, so a changed source is a
different name: a stale entry is never read, only left behind. An entry that fails to load
(truncated, corrupt, written by other code) is rebuilt from the sources and rewritten;
writing goes to a temporary name first and is renamed into place, so a reader never sees
half a file. A home directory that cannot be written only costs the rebuild, every time.

    key = source_key(SP_MODEL, version, "format 1")
    state = load_or_build(CACHE_ROOT / "use" / f"sp-{key}.marshal", load, build, save)
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)
CACHE_ROOT = Path("~/.cache/regkb")
T = TypeVar("T")


def cache_root() -> Path:
    return CACHE_ROOT.expanduser()


def source_key(*parts: Path | str) -> str:
    """24 hex digits of the sha256 over the parts: a file's bytes (a missing file counts as
    absent), or a string such as a library version or a format number."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path):
            digest.update(part.read_bytes() if part.is_file() else b"<missing>")
        else:
            digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:24]


def load_or_build(
    path: Path,
    load: Callable[[Path], T],
    build: Callable[[], T],
    save: Callable[[T, Path], None],
) -> T:
    """``load(path)`` when that works; else ``build()``, saved with ``save(value, tmp)`` and
    renamed to ``path`` (a file or a directory)."""
    if path.exists():
        try:
            return load(path)
        except Exception as exc:  # whatever is wrong with it, the sources are the truth
            log.warning("cache %s unusable (%s): rebuilding it", path, exc)
    value = build()
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save(value, tmp)
        _remove(path)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("cache %s not written (%s): it is rebuilt next time", path, exc)
        _remove(tmp)
    return value


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink(missing_ok=True)


class StringTable:
    """A large str -> int table (a tokenizer's vocabulary) kept as an sqlite file, read on demand.

    Building a Python dict of a few hundred thousand strings costs a few tenths of a second; a
    tokenizer that only ever looks up substrings of its input needs just those entries. The file
    is checked against the sha256 written beside it, so a damaged copy fails to open (and is
    rebuilt by ``load_or_build``) instead of answering wrongly. ``meta`` holds a few strings.
    """

    def __init__(self, directory: Path) -> None:
        expected = (directory / "table.sha256").read_text(encoding="ascii").strip()
        if hashlib.sha256((directory / "table.sqlite").read_bytes()).hexdigest() != expected:
            raise ValueError("table.sqlite does not match its digest")
        uri = f"file:{directory / 'table.sqlite'}?mode=ro"
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self.meta: dict[str, str] = dict(self._db.execute("SELECT key, value FROM meta"))
        self.longest = int(self.meta["longest"])
        self._absent: set[str] = set()
        self._lock = threading.Lock()

    @staticmethod
    def write(directory: Path, items: Iterable[tuple[str, int]], meta: dict[str, str]) -> None:
        directory.mkdir()
        db = sqlite3.connect(directory / "table.sqlite")
        with db:
            db.execute("CREATE TABLE entries (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID")
            longest, rows = 0, iter(items)
            while chunk := list(itertools.islice(rows, 10_000)):
                db.executemany("INSERT INTO entries VALUES (?, ?)", chunk)
                longest = max(longest, max(len(key) for key, _ in chunk))
            db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            db.executemany("INSERT INTO meta VALUES (?, ?)", {**meta, "longest": str(longest)}.items())
        db.close()
        digest = hashlib.sha256((directory / "table.sqlite").read_bytes()).hexdigest()
        (directory / "table.sha256").write_text(digest, encoding="ascii")

    def cover(self, table: dict[str, int], text: str) -> None:
        """Add to ``table`` the entries for every substring of ``text`` it lacks (sqlite3.Error
        when the file has become unreadable)."""
        longest, n = self.longest, len(text)
        wanted = {text[i:j] for i in range(n) for j in range(i + 1, min(i + longest, n) + 1)}
        with self._lock:
            wanted.difference_update(table, self._absent)
            missing = list(wanted)
            for start in range(0, len(missing), 500):
                chunk = missing[start : start + 500]
                marks = ",".join("?" * len(chunk))
                found = dict(
                    self._db.execute(f"SELECT key, value FROM entries WHERE key IN ({marks})", chunk)
                )
                table.update(found)
                self._absent.update(key for key in chunk if key not in found)
