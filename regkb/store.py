"""The dense vector store: the only module that imports chromadb.

One ``ChromaDir`` per index generation, one collection per dense channel. Embedded, it is a
chromadb ``PersistentClient`` on a directory; with a server URL (``REGKB_CHROMA_URL``), it is an
``HttpClient`` to chroma's own server (``chroma run``), and a generation's collections are
told apart by a namespace prefix, so several app replicas can share one server. Vectors are
always passed explicitly: collections are created with ``embedding_function=None`` so chromadb
never loads (or downloads) a model of its own.

Chroma limits a collection's name to 63 characters, so a namespaced collection's name on the
server is the namespace plus as much of the collection name's tail (which ends in its digest) as
fits; the full name is kept in the collection's metadata (``regkb_name``).
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence, Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from regkb.errors import ConfigError
from regkb.similarity import Similarities
from regkb.types import SCHEMA_VERSION, short_hash

log = logging.getLogger(__name__)

Metadata = Mapping[str, str | int | float | bool | None]
_SQLITE = "chroma.sqlite3"
_BATCH = 1000
_MASKS = 16  # filters whose admitted-row masks are kept (a new one past this clears them)
_MAX_NAME = 63


def collection_name(embedder_name: str, max_tokens: int) -> str:
    """A chroma-safe name derived from everything that shapes the vectors.

    An index built with another embedder, chunking or schema gets another name, so it is
    never silently read the wrong way.
    """
    slug = re.sub(r"[^a-zA-Z0-9._-]+", "-", embedder_name).strip("-._")[:40] or "emb"
    digest = short_hash(embedder_name, str(max_tokens), str(SCHEMA_VERSION), length=10)
    return f"{slug}-t{max_tokens}-s{SCHEMA_VERSION}-{digest}"


@dataclass(frozen=True, slots=True)
class Record:
    """One stored record as read back from a collection."""

    id: str
    document: str | None
    metadata: dict[str, Any]
    vector: list[float] | None


class DenseStore:
    """One chroma collection of passage vectors, compared by cosine similarity."""

    def __init__(self, collection: Any) -> None:
        self._col = collection
        self._count: int | None = None  # cached; every write through this store resets it
        self._all: tuple[list[str], np.ndarray] | None = None  # same
        self._all_lock = threading.Lock()
        self._masks: dict[frozenset[str], np.ndarray] = {}  # admitted rows per filter's id set

    @property
    def name(self) -> str:
        return str(self._col.name)

    @property
    def collection(self) -> Any:
        """The chroma collection itself (for a subclass that adds to what each record carries)."""
        return self._col

    @property
    def settings(self) -> dict[str, Any]:
        """The settings that built this collection (stored as JSON in its metadata)."""
        raw = (self._col.metadata or {}).get("regkb_settings", "{}")
        return dict(json.loads(raw))

    def upsert(
        self,
        ids: Sequence[str],
        vectors: Sequence[Sequence[float]],
        metadatas: Sequence[Metadata],
        documents: Sequence[str] | None = None,
    ) -> None:
        """Add or replace records; documents (optional) are stored text, e.g. the passage as JSON."""
        self._count, self._all, self._masks = None, None, {}
        if not (len(ids) == len(vectors) == len(metadatas)) or (
            documents is not None and len(documents) != len(ids)
        ):
            raise ValueError("upsert: ids, vectors, metadatas and documents differ in length")
        for start in range(0, len(ids), _BATCH):
            end = start + _BATCH
            self._col.upsert(
                ids=list(ids[start:end]),
                embeddings=[list(map(float, v)) for v in vectors[start:end]],
                metadatas=[_clean(m) for m in metadatas[start:end]],
                documents=list(documents[start:end]) if documents is not None else None,
            )

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[Metadata]) -> None:
        """Replace the metadata of existing records, keeping their vectors and documents."""
        self._count, self._all, self._masks = None, None, {}
        if len(ids) != len(metadatas):
            raise ValueError("update_metadata: ids and metadatas differ in length")
        for start in range(0, len(ids), _BATCH):
            end = start + _BATCH
            self._col.update(ids=list(ids[start:end]), metadatas=[_clean(m) for m in metadatas[start:end]])

    def records(self, vectors: bool = False) -> Iterator[Record]:
        """Every record (id, document, metadata, vector or None), fetched in pages."""
        include = ["documents", "metadatas", *(["embeddings"] if vectors else [])]
        for offset in range(0, self.count(), _BATCH):
            got = self._col.get(include=include, limit=_BATCH, offset=offset)
            embeddings = got["embeddings"] if vectors else [None] * len(got["ids"])
            for pid, doc, meta, vec in zip(
                got["ids"], got["documents"], got["metadatas"], embeddings, strict=True
            ):
                vector = [float(x) for x in vec] if vec is not None else None
                yield Record(str(pid), doc, dict(meta or {}), vector)

    def delete(self, ids: Sequence[str]) -> None:
        self._count, self._all, self._masks = None, None, {}
        for start in range(0, len(ids), _BATCH):
            self._col.delete(ids=list(ids[start : start + _BATCH]))

    def query(
        self, vector: Sequence[float], k: int, ids_allowed: Set[str] | None = None
    ) -> list[tuple[str, float]]:
        """The k nearest passages as (id, cosine similarity), best first, exactly.

        The vectors are read from the collection once per store and searched in numpy (about a
        millisecond for this corpus): chroma's approximate index answered one generation
        differently from one open to the next, and a knowledge base must answer the same
        question the same way.

        The scores are row-by-row dot products on the calling thread (``np.vecdot``), not a BLAS
        matrix-vector product: OpenBLAS splits that over its threads, and waking them cost 8-12 ms
        a query on this 2-core machine whatever the size (measured with 4,800 and 26,000 rows),
        where one thread scans the book's 25,000 rows in 2-3 ms.
        """
        if k <= 0 or (ids_allowed is not None and not ids_allowed):
            return []
        ids, scores = self._cosines(vector)
        if not ids:
            return []
        n = min(k, len(ids))
        if ids_allowed is not None:
            admitted = self._admitted(ids, ids_allowed)
            scores = np.where(admitted, scores, -np.inf)
            n = min(k, int(admitted.sum()))
        return [(ids[i], float(scores[i])) for i in _top(scores, n)]

    def similarities(self, vector: Sequence[float], ids_allowed: Set[str] | None = None) -> Similarities:
        """The question's cosine to every passage, for looking up candidates (ranks among the admitted)."""
        ids, scores = self._cosines(vector)
        admitted = self._admitted(ids, ids_allowed) if ids_allowed is not None and ids else None
        return Similarities(ids, scores, admitted)

    def _cosines(self, vector: Sequence[float]) -> tuple[list[str], np.ndarray]:
        """Every id (in id order) and its cosine to the vector (see query for why vecdot)."""
        ids, matrix = self._everything()
        if not ids:
            return ids, np.zeros(0, dtype=np.float32)
        query = np.asarray(vector, dtype=np.float32)
        return ids, np.vecdot(matrix, query / max(float(np.linalg.norm(query)), 1e-12))

    def _everything(self) -> tuple[list[str], np.ndarray]:
        """Every record's id and unit vector, in id order (read once, thread-safe)."""
        with self._all_lock:
            if self._all is None:
                ids, matrix = self._read_vectors()
                matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
                self._all = (ids, matrix)
            return self._all

    def _admitted(self, ids: list[str], allowed: Set[str]) -> np.ndarray:
        """Which rows a filter admits. The retriever keeps one frozenset per filter, so the mask is
        built once per filter (a Python pass over every id: 25 ms on the statute book), not per query."""
        cached = self._masks.get(allowed) if isinstance(allowed, frozenset) else None
        if cached is not None and len(cached) == len(ids):
            return cached
        admitted = np.fromiter((pid in allowed for pid in ids), dtype=bool, count=len(ids))
        if isinstance(allowed, frozenset):
            with self._all_lock:
                if len(self._masks) >= _MASKS:
                    self._masks.clear()
                self._masks[allowed] = admitted
        return admitted

    def _read_vectors(self) -> tuple[list[str], np.ndarray]:
        """Every id and raw vector, in id order, page by page straight into float32 (no Python floats)."""
        ids: list[str] = []
        pages: list[np.ndarray] = []
        for offset in range(0, self.count(), _BATCH):
            got = self._col.get(include=["embeddings"], limit=_BATCH, offset=offset)
            ids.extend(str(pid) for pid in got["ids"])
            pages.append(np.asarray(got["embeddings"], dtype=np.float32).reshape(len(got["ids"]), -1))
        matrix = np.concatenate(pages) if pages else np.zeros((0, 0), dtype=np.float32)
        order = sorted(range(len(ids)), key=ids.__getitem__)
        return [ids[i] for i in order], matrix[order]

    def count(self) -> int:
        if self._count is None:
            self._count = int(self._col.count())
        return self._count


def http_client(url: str, token: str | None = None) -> Any:
    """A chromadb HttpClient for http(s)://host:port, with a bearer token when one is given."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"REGKB_CHROMA_URL={url!r}: expected http://host:port (e.g. http://127.0.0.1:8000)")
    headers = {"Authorization": f"Bearer {token}"} if token else None
    return chromadb.HttpClient(
        host=parts.hostname,
        port=parts.port or (443 if parts.scheme == "https" else 8000),
        ssl=parts.scheme == "https",
        headers=headers,
        settings=ChromaSettings(anonymized_telemetry=False),
    )


class ChromaDir:
    """The collections of one generation: a persistent directory, or a namespace on a server."""

    def __init__(
        self, path: Path, url: str | None = None, namespace: str = "", token: str | None = None
    ) -> None:
        self.path = path
        self.url = url
        self.namespace = namespace
        self._prefix = f"{namespace}--" if namespace else ""
        # Any: the ClientAPI protocol lacks close(), which the concrete client has.
        if url:
            self._client: Any = http_client(url, token)
        else:
            self._client = chromadb.PersistentClient(
                path=str(path), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
            )

    @property
    def remote(self) -> bool:
        """True for a chroma server, False for an embedded directory."""
        return bool(self.url)

    def _owned(self) -> dict[str, str]:
        """Full collection name -> name on the server, for this namespace's collections."""
        owned: dict[str, str] = {}
        for col in self._client.list_collections():
            physical = str(col.name)
            if physical.startswith(self._prefix):
                owned[str((col.metadata or {}).get("regkb_name", physical[len(self._prefix) :]))] = physical
        return owned

    def _physical(self, name: str) -> str:
        """The name on the server: the prefix and as much of the name's tail as chroma allows."""
        tail = name[-(_MAX_NAME - len(self._prefix)) :].lstrip("-._")
        if not tail:
            raise ConfigError(f"chroma namespace {self.namespace!r} is too long for a collection name")
        return self._prefix + tail

    def namespaces(self) -> set[str]:
        """Every namespace holding a collection on this client (e.g. the generations on a server)."""
        names = (str(c.name) for c in self._client.list_collections())
        return {name.split("--", 1)[0] for name in names if "--" in name}

    def collection_names(self) -> list[str]:
        return sorted(self._owned())

    def open(self, name: str) -> DenseStore:
        """An existing collection; KeyError when absent."""
        physical = self._owned()[name]
        return DenseStore(self._client.get_collection(physical, embedding_function=None))

    def create(self, name: str, settings: Mapping[str, Any]) -> DenseStore:
        """A new, empty collection (replacing any of that name) with cosine space."""
        owned = self._owned()
        if name in owned:
            self._client.delete_collection(owned[name])
        meta = {
            "hnsw:space": "cosine",
            "regkb_name": name,
            "regkb_settings": json.dumps(dict(settings), sort_keys=True),
        }
        return DenseStore(
            self._client.create_collection(self._physical(name), metadata=meta, embedding_function=None)
        )

    def drop(self, name: str) -> None:
        self._client.delete_collection(self._owned()[name])

    def drop_all(self) -> list[str]:
        """Delete every collection of this namespace (all of them when there is no namespace)."""
        owned = self._owned()
        for physical in owned.values():
            self._client.delete_collection(physical)
        return sorted(owned)

    def close(self) -> None:
        close = getattr(self._client, "close", None)
        if close is not None and not self.url:
            close()

    def __enter__(self) -> ChromaDir:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def copy_collections(src: ChromaDir, dst: ChromaDir) -> None:
    """Copy every collection (vectors, documents, metadata, settings) of src into dst, any backends."""
    for name in src.collection_names():
        source = src.open(name)
        target = dst.create(name, source.settings)
        batch: list[Record] = []
        for record in source.records(vectors=True):
            batch.append(record)
            if len(batch) == _BATCH:
                _put(target, batch)
                batch = []
        _put(target, batch)


def _put(target: DenseStore, records: Sequence[Record]) -> None:
    if not records:
        return
    documents = [r.document or "" for r in records] if any(r.document for r in records) else None
    vectors = [r.vector or [] for r in records]
    target.upsert([r.id for r in records], vectors, [r.metadata for r in records], documents)


def copy_chroma_dir(src: Path, dst: Path) -> None:
    """Copy a chroma directory that readers may have open.

    The sqlite file goes through sqlite's backup API (a consistent snapshot even while
    another process holds it open); the segment files are copied as they are.
    """
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(_SQLITE, f"{_SQLITE}-*"))
    source = sqlite3.connect(f"file:{src / _SQLITE}?mode=ro", uri=True)
    target = sqlite3.connect(dst / _SQLITE)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _clean(meta: Metadata) -> dict[str, str | int | float | bool]:
    """Chroma rejects None values: drop them."""
    return {k: v for k, v in meta.items() if v is not None}


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """The indices of the n best scores, best first, ties by index: what a stable full argsort gives,
    found by a partition first (the statute book holds 25,000 rows; a query wants 200)."""
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    if n < len(scores):
        floor = scores[np.argpartition(-scores, n - 1)[:n]].min()
        candidates = np.flatnonzero(scores >= floor)  # every row tied at the floor, too
    else:
        candidates = np.arange(len(scores))
    return candidates[np.lexsort((candidates, -scores[candidates]))][:n]
