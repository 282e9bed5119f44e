"""The on-disk index: layout, (de)serialisation and the reader the engine uses.

Layout of an index directory (default ``.regkb/``)::

    CURRENT                     the active generation's id (switched atomically)
    embcache.sqlite             (embedder, sha256 of embed text) -> vector, shared by generations
    generations/<gen-id>/
        generation.json         schema version, chunking, channels (spec, embedder, collection)
        passages.jsonl          every Passage, document order
        documents.json          DocumentInfo + content hash + source path per document
        bm25/                   the lexical index with its passage ids
        chroma/                 one chroma collection per dense channel (embedded store only)
        report.json             the ingest report that built this generation

A generation is complete before CURRENT names it, and is never modified afterwards, so a
reader never sees a half-written index.

With a chroma server (``REGKB_CHROMA_URL``) the generation has no ``chroma/``: generation.json's
``store`` names the server namespace holding its collections (``server_namespace``), and each
record there also carries its passage as JSON (document) and its position (``seq``). A replica
that has only the small files (CURRENT, generation.json, documents.json, report.json) rebuilds
passages.jsonl and bm25/ from those records when it first opens the generation
(``regkb.replica``).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

from regkb.errors import IndexMismatchError, IndexMissingError
from regkb.lexical import LexicalIndex
from regkb.store import ChromaDir, DenseStore
from regkb.types import SCHEMA_VERSION, DocumentInfo, Passage

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
GENERATIONS = "generations"
EMBCACHE = "embcache.sqlite"
GENERATION_FILE = "generation.json"
PASSAGES_FILE = "passages.jsonl"
DOCUMENTS_FILE = "documents.json"
REPORT_FILE = "report.json"
BM25_DIR = "bm25"
CHROMA_DIR = "chroma"
SERVER = "server"  # generation.json store.backend of a generation kept on a chroma server

_PASSAGE_FIELDS = {f.name for f in dataclasses.fields(Passage)}
_DOCUMENT_FIELDS = {f.name for f in dataclasses.fields(DocumentInfo)}


def passage_to_dict(passage: Passage) -> dict[str, Any]:
    return dataclasses.asdict(passage)


def passage_from_dict(data: dict[str, Any]) -> Passage:
    values = {k: v for k, v in data.items() if k in _PASSAGE_FIELDS}
    values["heading_path"] = tuple(values.get("heading_path", ()))
    return Passage(**values)


def document_from_dict(data: dict[str, Any]) -> DocumentInfo:
    return DocumentInfo(**{k: v for k, v in data.items() if k in _DOCUMENT_FIELDS})


def generation_dir(index_dir: Path, generation: str) -> Path:
    return Path(index_dir) / GENERATIONS / generation


def server_namespace(generation: str) -> str:
    """The namespace of a generation's collections on a chroma server (chroma-safe characters)."""
    return f"regkb-{generation}"


def _read_current(index_dir: Path) -> str | None:
    try:
        name = (Path(index_dir) / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


class IndexReader:
    """A read-only view of one complete generation of the index.

    chroma_url/chroma_token reach a generation whose collections live on a chroma server; its
    passages.jsonl and bm25/ are rebuilt from the server's records when absent.
    """

    def __init__(
        self,
        index_dir: Path,
        generation: str,
        chroma_url: str | None = None,
        chroma_token: str | None = None,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.generation = generation
        self.path = generation_dir(self.index_dir, generation)
        self.info: dict[str, Any] = json.loads((self.path / GENERATION_FILE).read_text(encoding="utf-8"))
        if self.info.get("schema_version") != SCHEMA_VERSION:
            raise IndexMismatchError(
                f"{self.path}: built with schema {self.info.get('schema_version')}, this regkb reads "
                f"schema {SCHEMA_VERSION}; run `regkb ingest --rebuild`"
            )
        self._chroma = self._open_store(chroma_url, chroma_token)
        from regkb.replica import needs_restore, restore  # it imports this module

        if needs_restore(self.path):
            restore(self.path, self.info, self._chroma)
        lines = (self.path / PASSAGES_FILE).read_text(encoding="utf-8").splitlines()
        self.passages: list[Passage] = [passage_from_dict(json.loads(line)) for line in lines if line]
        self.by_id: dict[str, Passage] = {p.id: p for p in self.passages}
        docs = json.loads((self.path / DOCUMENTS_FILE).read_text(encoding="utf-8"))
        self.documents: list[DocumentInfo] = [document_from_dict(d) for d in docs]
        self.report: dict[str, Any] = json.loads((self.path / REPORT_FILE).read_text(encoding="utf-8"))
        self.lexical: LexicalIndex = LexicalIndex.load(self.path / BM25_DIR)
        self._dense: dict[str, DenseStore] = {}

    def _open_store(self, url: str | None, token: str | None) -> ChromaDir | None:
        """The generation's collections: its chroma/ directory or its namespace on the server."""
        store = self.info.get("store", {})
        if store.get("backend") != SERVER:
            if url:
                log.info("%s keeps its vectors in its own directory; REGKB_CHROMA_URL is not used", self.path)
            return ChromaDir(self.path / CHROMA_DIR)
        if not url:
            return None  # the passages may still be read; dense() says what is missing
        return ChromaDir(self.path / CHROMA_DIR, url=url, namespace=store["namespace"], token=token)

    @classmethod
    def open(
        cls, index_dir: Path, chroma_url: str | None = None, chroma_token: str | None = None
    ) -> IndexReader:
        """The generation CURRENT names; IndexMissingError when there is none."""
        for _attempt in range(3):
            generation = _read_current(index_dir)
            if generation is None or not (generation_dir(index_dir, generation) / GENERATION_FILE).exists():
                break
            try:
                return cls(index_dir, generation, chroma_url, chroma_token)
            except FileNotFoundError:  # collected between reading CURRENT and opening: retry
                log.info("generation %s vanished while opening; retrying", generation)
        raise IndexMissingError(str(index_dir))

    @staticmethod
    def current_generation(index_dir: Path) -> str | None:
        """The active generation id (one small file read), for reload checks."""
        return _read_current(index_dir)

    @property
    def channels(self) -> list[str]:
        return list(self.info["channels"])

    @property
    def embedder_specs(self) -> dict[str, str]:
        """Channel name -> the embedder spec that built it (build the same one to query)."""
        return {name: ch["spec"] for name, ch in self.info["channels"].items()}

    def check_embedder(self, channel: str, embedder_name: str) -> None:
        """Refuse to query a channel with another embedder than the one that built it."""
        built = self.info["channels"].get(channel, {}).get("embedder")
        if built is not None and built != embedder_name:
            raise IndexMismatchError(
                f"{self.path}: channel {channel!r} was embedded by {built} but would be queried with "
                f"{embedder_name} (e.g. a new e5 adapter); run `regkb ingest` to re-embed it"
            )

    @property
    def max_tokens(self) -> int:
        return int(self.info["max_tokens"])

    def dense(self, name: str) -> DenseStore:
        if name not in self._dense:
            channel = self.info["channels"].get(name)
            if channel is None:
                raise IndexMismatchError(
                    f"{self.path}: no dense channel {name!r} (has {', '.join(self.channels) or 'none'}); "
                    f"run `regkb ingest --dense {name}`"
                )
            if self._chroma is None:
                raise IndexMismatchError(
                    f"{self.path}: its vectors are on a chroma server (generation.json store); "
                    "set REGKB_CHROMA_URL (and REGKB_CHROMA_TOKEN if the server wants one)"
                )
            try:
                self._dense[name] = self._chroma.open(channel["collection"])
            except KeyError:
                raise IndexMismatchError(
                    f"{self.path}: collection {channel['collection']} is missing; run `regkb ingest --rebuild`"
                ) from None
        return self._dense[name]

    def passages_of(self, doc_id: str) -> list[Passage]:
        return [p for p in self.passages if p.doc_id == doc_id]

    def close(self) -> None:
        self._dense.clear()
        if self._chroma is not None:
            self._chroma.close()
