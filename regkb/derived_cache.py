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
import logging
import os
import shutil
from collections.abc import Callable
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
