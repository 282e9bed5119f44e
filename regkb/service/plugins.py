"""What the core borrows from the ingest package, found through entry points.

regkb never imports ingest by name (ingest imports regkb, so that would be a cycle). pyproject.toml
registers what the core may use, and ``regkb ingest`` itself is reached the same way
(the ``regkb.commands`` group):

    [project.entry-points."regkb.readers"]    text     -> ingest.loaders:load_file
                                              suffixes -> ingest.loaders:SUPPORTED_SUFFIXES
    [project.entry-points."regkb.pipeline"]   ingest   -> ingest.pipeline:ingest_paths

A missing entry point or a missing ingest package is a ConfigError naming the fix; an
ImportError raised from inside an installed package is a real bug and propagates unchanged.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from regkb.errors import ConfigError, RegkbError

READERS = "regkb.readers"
PIPELINE = "regkb.pipeline"
REINSTALL = "reinstall regkb (`pip install -e .`)"


def borrowed(group: str, name: str) -> Any:
    """The object the entry point group:name names, loaded."""
    found = {ep.name: ep for ep in entry_points(group=group)}
    if name not in found:
        raise ConfigError(f"entry point '{group}:{name}' is not registered; {REINSTALL}")
    point = found[name]
    package = point.value.split(":")[0].split(".")[0]
    try:
        return point.load()
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] != package:
            raise  # the package is there but something it imports is not: a bug, shown as one
        raise ConfigError(
            f"entry point '{group}:{name}': package '{package}' is not installed; {REINSTALL}"
        ) from exc


def read_text(path: Path) -> str:
    """The text of a DOCX / PDF / TXT / MD / HTML file, read by the ingest loaders."""
    if not path.is_file():
        raise RegkbError(f"{path}: no such file; check the path")
    return str(borrowed(READERS, "text")(path).text)


def read_upload(name: str, data: bytes) -> str:
    """The text of an uploaded file given as its name and bytes (only the name's last part is used)."""
    base = Path(name).name
    if not base or base in (".", ".."):
        raise RegkbError(f"upload {name!r}: no file name; upload the file under a plain name")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / base
        path.write_bytes(data)
        return read_text(path)


def supported_suffixes() -> frozenset[str]:
    """The file suffixes the ingest loaders read (".md", ".docx", …)."""
    return frozenset(borrowed(READERS, "suffixes"))


def ingest_function() -> Callable[..., Any]:
    """ingest.pipeline.ingest_paths: paths, index_dir, *, dense, max_tokens, … -> IngestReport."""
    function: Callable[..., Any] = borrowed(PIPELINE, "ingest")
    return function
