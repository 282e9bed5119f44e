"""Turn the passages of one ingest into a new index generation.

Reads what the previous generation holds, works out what changed (by passage id, which is a
content hash), copies the previous chroma directory (or, on a chroma server, the previous
namespace's collections) and applies only the changes, embeds only texts no cache has seen,
and writes every file of the generation. ``ingest.generation`` makes
it current.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import shutil
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.checkpoints import checkpoint
from ingest.embcache import EmbeddingCache
from ingest.embedding import channels_of, stream
from regkb.embedders import Embedder
from regkb.index import (
    BM25_DIR,
    CHROMA_DIR,
    DOCUMENTS_FILE,
    EMBCACHE,
    GENERATION_FILE,
    PASSAGES_FILE,
    SERVER,
    generation_dir,
    passage_from_dict,
    passage_to_dict,
)
from regkb.lexical import LexicalIndex, tokenize, tokenizer_fingerprint
from regkb.names import lexical_text
from regkb.replica import SEQ
from regkb.store import ChromaDir, DenseStore, collection_name, copy_chroma_dir, copy_collections
from regkb.types import SCHEMA_VERSION, Passage

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (stage, done, total): "files", "embed:<channel>", …
DocKey = tuple[str, str]  # (root, doc_id)


@dataclass(frozen=True, slots=True)
class Previous:
    """What the current generation holds (empty for a first ingest or --rebuild)."""

    generation: str | None = None
    passages: Mapping[str, Passage] = dataclasses.field(default_factory=dict)
    documents: Mapping[DocKey, dict[str, Any]] = dataclasses.field(default_factory=dict)
    channels: Mapping[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    store: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # generation.json "store"
    lexical: str | None = None  # generation.json "lexical": what its BM25 index was built from

    def passages_of(self, key: DocKey) -> list[Passage]:
        return [p for p in self.passages.values() if (p.root, p.doc_id) == key]


def read_previous(index_dir: Path, generation: str | None) -> Previous:
    if generation is None:
        return Previous()
    path = generation_dir(index_dir, generation)
    info = json.loads((path / GENERATION_FILE).read_text(encoding="utf-8"))
    if info.get("schema_version") != SCHEMA_VERSION:
        log.warning("previous generation has schema %s; rebuilding", info.get("schema_version"))
        return Previous()
    lines = (path / PASSAGES_FILE).read_text(encoding="utf-8").splitlines()
    passages = [passage_from_dict(json.loads(line)) for line in lines if line]
    docs = json.loads((path / DOCUMENTS_FILE).read_text(encoding="utf-8"))
    return Previous(
        generation=generation,
        passages={p.id: p for p in passages},
        documents={(d["root"], d["doc_id"]): d for d in docs},
        channels=info["channels"],
        store=info.get("store", {}),
        lexical=info.get("lexical"),
    )


@dataclass(frozen=True, slots=True)
class Diff:
    upsert: tuple[Passage, ...]  # new ids, and known ids whose metadata changed
    delete: tuple[str, ...]
    added: int
    updated: int
    removed: int
    unchanged: int


def _key(p: Passage) -> tuple[str, str, str, int]:
    return (p.root, p.doc_id, p.article, p.part)


def diff_passages(previous: Mapping[str, Passage], passages: Sequence[Passage]) -> Diff:
    """Changes by id; a new id taking the place (root, doc, article, part) of a gone one is an update."""
    new_ids = {p.id for p in passages}
    gone = [pid for pid in previous if pid not in new_ids]
    fresh = [p for p in passages if p.id not in previous]
    changed = [p for p in passages if p.id in previous and previous[p.id] != p]
    vacated = Counter(_key(previous[pid]) for pid in gone)
    replaced = 0
    for p in fresh:
        if vacated[_key(p)] > 0:
            vacated[_key(p)] -= 1
            replaced += 1
    return Diff(
        upsert=tuple(fresh + changed),
        delete=tuple(gone),
        added=len(fresh) - replaced,
        updated=replaced + len(changed),
        removed=len(gone) - replaced,
        unchanged=len(passages) - len(fresh) - len(changed),
    )


def _metadata(p: Passage) -> dict[str, str | int | float | bool | None]:
    return {
        "doc_id": p.doc_id,
        "root": p.root,
        "level": p.level,
        "status": p.status,
        "effective": p.effective,
    }


class _PassageRecords(DenseStore):
    """A channel's collection on a chroma server: every record written also carries its passage
    (JSON, as the record's document) and its position in passages.jsonl (``seq``), so a replica
    can rebuild passages.jsonl and the lexical index from the server (``regkb.replica``)."""

    def __init__(self, store: DenseStore, passages: Sequence[Passage]) -> None:
        super().__init__(store.collection)
        self._by_id = {p.id: p for p in passages}
        self._seq = {p.id: i for i, p in enumerate(passages)}

    def upsert(
        self,
        ids: Sequence[str],
        vectors: Sequence[Sequence[float]],
        metadatas: Sequence[Mapping[str, str | int | float | bool | None]],
        documents: Sequence[str] | None = None,
    ) -> None:
        metas = [{**m, SEQ: self._seq[pid]} for pid, m in zip(ids, metadatas, strict=True)]
        docs = [json.dumps(passage_to_dict(self._by_id[pid]), ensure_ascii=False) for pid in ids]
        super().upsert(ids, vectors, metas, docs)

    def renumber(self, previous: Previous, written: Sequence[Passage]) -> None:
        """Rewrite seq of carried-over records whose position changed (vectors stay as they are)."""
        old = {pid: i for i, pid in enumerate(previous.passages)}
        done = {p.id for p in written}
        moved = [p for p in self._by_id.values() if p.id not in done and old.get(p.id) != self._seq[p.id]]
        self.update_metadata([p.id for p in moved], [{**_metadata(p), SEQ: self._seq[p.id]} for p in moved])


def _channel_store(
    chroma: ChromaDir, name: str, settings: dict[str, Any], expected: int
) -> tuple[DenseStore, bool]:
    """The channel's collection carried from the previous generation, or a new empty one."""
    try:
        store = chroma.open(name)
    except KeyError:
        return chroma.create(name, settings), True
    if store.count() != expected:
        log.warning(
            "collection %s holds %d vectors, expected %d; rebuilding it", name, store.count(), expected
        )
        return chroma.create(name, settings), True
    return store, False


def write_dense(
    chroma: ChromaDir,
    embedders: Mapping[str, Embedder],
    max_tokens: int,
    passages: Sequence[Passage],
    diff: Diff,
    previous: Previous,
    cache: EmbeddingCache,
    progress: Progress,
) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """Bring every channel's collection up to date (streamed, see ingest.embedding); returns
    channel infos and embedded counts."""
    channels: dict[str, dict[str, Any]] = {}
    stores: dict[str, DenseStore] = {}
    todo: dict[str, Sequence[Passage]] = {}
    for spec, embedder in embedders.items():
        name = collection_name(embedder.name, max_tokens)
        settings = {
            "spec": spec,
            "embedder": embedder.name,
            "dim": embedder.dim,
            "max_tokens": max_tokens,
            "schema_version": SCHEMA_VERSION,
            "collection": name,
        }
        store, fresh = _channel_store(chroma, name, settings, len(previous.passages))
        if not fresh:
            store.delete(diff.delete)
        if chroma.remote:
            store = _PassageRecords(store, passages)
        stores[spec], todo[spec], channels[spec] = store, (passages if fresh else diff.upsert), settings
    streamed = channels_of(embedders, stores, todo)
    stream(streamed, passages, cache, _metadata, progress)
    for spec, store in stores.items():
        if isinstance(store, _PassageRecords):
            store.renumber(previous, todo[spec])
    wanted = {c["collection"] for c in channels.values()}
    for name in chroma.collection_names():
        if name not in wanted:
            chroma.drop(name)
    return channels, {c.spec: c.embedded for c in streamed}


def open_chroma(target: Path, previous: Previous, index_dir: Path, server: Server | None = None) -> ChromaDir:
    """The new generation's collections: a copy of the previous generation's, or none.

    Embedded, a copy of the previous chroma directory; on a server, the previous namespace's
    collections copied into the new one. A previous generation kept in the other kind of store
    is not copied: its channels are rebuilt (from the embedding cache).
    """
    was_server = previous.store.get("backend") == SERVER
    if server is None:
        if previous.generation is not None and not was_server:
            copy_chroma_dir(generation_dir(index_dir, previous.generation) / CHROMA_DIR, target)
        return ChromaDir(target)
    chroma = ChromaDir(target, url=server.url, namespace=server.namespace, token=server.token)
    chroma.drop_all()  # nothing should be there; never build on leftovers
    if previous.generation is not None and was_server:
        source = ChromaDir(target, url=server.url, namespace=previous.store["namespace"], token=server.token)
        copy_collections(source, chroma)
    return chroma


@dataclass(frozen=True, slots=True)
class Server:
    """Where a generation's collections go on a chroma server."""

    url: str
    namespace: str
    token: str | None = None

    def info(self) -> dict[str, str]:
        """generation.json's "store" entry (no URL or token: replicas may reach the server another way)."""
        return {"backend": SERVER, "namespace": self.namespace}


def write_files(
    gen_dir: Path,
    passages: Sequence[Passage],
    documents: Sequence[dict[str, Any]],
    info: dict[str, Any],
    previous: Previous,
    index_dir: Path,
) -> None:
    """passages.jsonl, documents.json, the BM25 index and generation.json."""
    with open(gen_dir / PASSAGES_FILE, "w", encoding="utf-8") as fh:
        for p in passages:
            fh.write(json.dumps(passage_to_dict(p), ensure_ascii=False) + "\n")
    checkpoint("passages-written")
    _write_json(gen_dir / DOCUMENTS_FILE, list(documents))
    checkpoint("documents-written")
    texts = [lexical_text(p) for p in passages]
    fingerprint = _fingerprint([p.id for p in passages], texts)
    if previous.generation is not None and previous.lexical == fingerprint:
        shutil.copytree(generation_dir(index_dir, previous.generation) / BM25_DIR, gen_dir / BM25_DIR)
    else:
        cache = EmbeddingCache(index_dir / EMBCACHE)
        try:
            tokens = cache.tokens_many(tokenizer_fingerprint(), texts, tokenize)
        finally:
            cache.close()
        LexicalIndex.build([p.id for p in passages], texts, tokens).save(gen_dir / BM25_DIR)
    checkpoint("lexical-written")
    _write_json(gen_dir / GENERATION_FILE, {**info, "lexical": fingerprint})
    checkpoint("manifest-written")


def lexical_fingerprint(passages: Sequence[Passage]) -> str:
    """What the BM25 index is built from: the ids and lexical texts in order, and the tokenizer.

    The lexical text carries each document's generated names (regkb.names), so a change in that
    code changes the index even when no passage changed: the fingerprint, not the passages,
    decides whether a previous generation's BM25 index can be reused."""
    return _fingerprint([p.id for p in passages], [lexical_text(p) for p in passages])


def _fingerprint(ids: Sequence[str], texts: Sequence[str]) -> str:
    digest = hashlib.sha256(tokenizer_fingerprint().encode("utf-8"))
    for pid, text in zip(ids, texts, strict=True):
        digest.update(f"\x1e{pid}\x1f{text}".encode())
    return digest.hexdigest()


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
