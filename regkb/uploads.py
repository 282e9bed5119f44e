"""Admin uploads into the uploads folder: safe names, a size limit, no duplicate copies.

A name must be a plain file name: one carrying a directory (``../x.md``, ``/etc/x.md``,
``a\\b.md``), a hidden name, control characters or an unsupported suffix is rejected with the
reason, and nothing is written for it. A file whose bytes equal a file already in the folder
(or earlier in the same batch) is reported as a duplicate and not written again. A file is
written to a temporary name and renamed, so a crash never leaves half a file to be ingested.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class UploadOutcome:
    saved: tuple[str, ...] = ()
    duplicates: tuple[tuple[str, str], ...] = ()  # (upload name, the existing file it equals)
    rejected: tuple[tuple[str, str], ...] = ()  # (upload name as given, reason)


def name_problem(name: str, suffixes: Collection[str]) -> str | None:
    """Why name cannot be stored as given, or None when it is a safe plain file name."""
    if not name or name.strip() != name:
        return "empty name or surrounding spaces; rename the file"
    if "/" in name or "\\" in name or name in (".", "..") or ".." in name.split("."):
        return "the name carries a directory (../ or an absolute path); upload the file under a plain name"
    if name.startswith("."):
        return "hidden file names are not ingested; rename the file"
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        return "the name contains control characters; rename the file"
    if len(name.encode("utf-8")) > 200:
        return "the name is too long (over 200 bytes); shorten it"
    if Path(name).suffix.lower() not in suffixes:
        return f"unsupported file type; upload one of {', '.join(sorted(suffixes))}"
    return None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _existing(target: Path) -> dict[str, str]:
    return {_digest(p.read_bytes()): p.name for p in sorted(target.iterdir()) if p.is_file()}


def _write(path: Path, data: bytes) -> None:
    pending = path.with_name(f".{path.name}.part")
    with open(pending, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(pending, path)


def save_uploads(
    target: Path, files: Sequence[tuple[str, bytes]], suffixes: Collection[str], max_mb: float
) -> UploadOutcome:
    """Store the acceptable files of an upload batch under target."""
    target.mkdir(parents=True, exist_ok=True)
    known = _existing(target)
    saved: list[str] = []
    duplicates: list[tuple[str, str]] = []
    rejected: list[tuple[str, str]] = []
    for name, data in files:
        problem = name_problem(name, suffixes)
        if problem is None and not data:
            problem = "empty file (0 bytes)"
        if problem is None and len(data) > max_mb * 2**20:
            problem = f"{len(data) / 2**20:.1f} MB is over the {max_mb:g} MB limit (REGKB_MAX_FILE_MB)"
        if problem is not None:
            rejected.append((name, problem))
            continue
        digest = _digest(data)
        if digest in known:
            duplicates.append((name, known[digest]))
            continue
        _write(target / name, data)
        known[digest] = name
        saved.append(name)
    return UploadOutcome(tuple(saved), tuple(duplicates), tuple(rejected))
