"""Shared test helpers: where ../shared lives, and the real indexes the engine tests use.

The real indexes are built from corpus/ (the sample policies and the statute pack) plus
../shared/corpus when it is present, so they exist on every machine; only tests that measure
against ../shared itself skip without it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("REGKB_SHARED", REPO.parent / "shared"))
SHARED_CORPUS = SHARED / "corpus"
DEV_QUESTIONS = SHARED / "evals" / "dev.jsonl"


def shared_manifest() -> list[dict]:
    if not (SHARED_CORPUS / "manifest.json").exists():
        pytest.skip(f"shared corpus not found at {SHARED_CORPUS} (set REGKB_SHARED)")
    return json.loads((SHARED_CORPUS / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture
def shared_corpus() -> Path:
    shared_manifest()
    return SHARED_CORPUS


def index_roots() -> list[Path]:
    """corpus/ plus the shared corpus when this machine has it."""
    shared = [SHARED_CORPUS] if (SHARED_CORPUS / "manifest.json").exists() else []
    return [REPO / "corpus", *shared]


def _ingest(index: Path, dense: str) -> Path:
    """Ingest corpus/ (+ the shared corpus if present) into index (incremental: cheap when unchanged)."""
    from ingest.pipeline import ingest_paths

    report = ingest_paths(index_roots(), index, dense=dense.split(","), max_tokens=480)
    assert not report.files_failed, report.files_failed
    return index


@pytest.fixture(scope="session")
def hash_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real index (chromadb, BM25) of corpus/ (+ shared corpus) with the hash embedder."""
    return _ingest(tmp_path_factory.mktemp("hash-index"), "hash")


@pytest.fixture(scope="session")
def real_index() -> Path:
    """The full index with the real embedders, shared with `make eval-gate` (.regkb-eval)."""
    return _ingest(REPO / ".regkb-eval", "e5,e5:lora,use")


@pytest.fixture(scope="session")
def hash_engine(hash_index: Path):  # -> Engine
    from regkb.engine import Engine
    from regkb.settings import Settings

    return Engine.open(Settings(index_dir=hash_index, dense=["hash"]))


def engine_beside_corpus(
    base: Path, index: Path, document: Path, dense: tuple[str, ...] = ("e5", "e5:lora", "use")
):  # -> Engine
    """An engine over a copy of an index of the corpus (the real one, or hash_index with
    dense=("hash",)) with one more document ingested beside the corpus (the corpus is embedded
    already: only the document is)."""
    import shutil

    from ingest.pipeline import ingest_paths
    from regkb.engine import Engine
    from regkb.settings import Settings

    shutil.copytree(base, index)
    report = ingest_paths([*index_roots(), document], index, dense=list(dense), max_tokens=480)
    assert not report.files_failed, report.files_failed
    return Engine.open(Settings(index_dir=index, dense=list(dense)))
