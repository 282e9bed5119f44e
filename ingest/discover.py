"""Which files an ingest reads: PATH arguments -> corpus roots -> source files.

- A directory argument is a root: walked recursively, skipping names that start with "."
  or "_", and the root's data files (manifest.json, sources.toml, redlines.yaml, README*).
- A file argument belongs to the nearest ancestor holding manifest.json (so it keeps its
  metadata and its doc_id), else to its own directory.
- doc_id is the path relative to the root (posix). The root's name is its directory name;
  when two roots share a name, the later one is prefixed with its parent's name
  ("corpus" and "shared-corpus"), and numbered if that is taken too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from regkb.errors import ConfigError

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
SOURCES = "sources.toml"
DATA_FILES = frozenset({MANIFEST, SOURCES, "redlines.yaml"})


@dataclass(slots=True)
class Root:
    name: str
    path: Path  # resolved directory
    rank: int  # position of the (first) PATH argument naming it; later wins ties
    files: list[Path] = field(default_factory=list)  # resolved, sorted by doc_id
    whole: bool = False  # the directory itself was given (sources.toml applies)

    def doc_id(self, file: Path) -> str:
        return file.relative_to(self.path).as_posix()

    @property
    def sources_toml(self) -> Path | None:
        path = self.path / SOURCES
        return path if self.whole and path.is_file() else None


def _skipped(name: str) -> bool:
    return name.startswith((".", "_")) or name in DATA_FILES or name.upper().startswith("README")


def walk(directory: Path) -> list[Path]:
    """Source files under directory, sorted, skipping hidden/underscore names and data files."""
    found: list[Path] = []
    for entry in sorted(directory.iterdir()):
        if _skipped(entry.name):
            continue
        if entry.is_dir():
            found.extend(walk(entry))
        elif entry.is_file():
            found.append(entry)
    return found


def _root_of_file(file: Path) -> Path:
    for parent in file.parents:
        if (parent / MANIFEST).is_file():
            return parent
    return file.parent


def _unique_name(path: Path, taken: set[str]) -> str:
    name = path.name or "root"
    if name in taken:
        name = f"{path.parent.name}-{path.name}" if path.parent.name else name
    base, n = name, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


def discover(paths: Sequence[Path]) -> list[Root]:
    """Roots with their files, in argument order; a file named twice is read once."""
    roots: dict[Path, Root] = {}
    seen: set[Path] = set()
    for rank, raw in enumerate(paths):
        path = Path(raw).expanduser()
        if not path.exists():
            raise ConfigError(f"{raw}: no such file or directory (give a corpus directory or a source file)")
        path = path.resolve()
        root_dir = path if path.is_dir() else _root_of_file(path)
        root = roots.get(root_dir)
        if root is None:
            root = Root(_unique_name(root_dir, {r.name for r in roots.values()}), root_dir, rank)
            roots[root_dir] = root
        root.rank = rank
        root.whole = root.whole or path.is_dir()
        for file in walk(path) if path.is_dir() else [path]:
            if file not in seen:
                seen.add(file)
                root.files.append(file)
    for root in roots.values():
        root.files.sort(key=root.doc_id)
    return list(roots.values())
