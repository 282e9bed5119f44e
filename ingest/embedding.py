"""Streamed embedding: passages go through every channel in bounded steps, in document order.

Each step takes ``STREAM_BATCH`` passages, and for every channel looks their texts up in the
embedding cache, embeds the rest (``EMBED_BATCH`` texts per model call, length-sorted so a call
pads little), caches them and writes them to the channel's collection, then lets go of the
vectors. Memory stays bounded by one step whatever the corpus size (the statute book is ~25k
passages x 2 channels), and a killed ingest resumes from the cache.

Progress, after each step: ``passages`` and ``documents`` written (a document counts once all
its passages are in every channel) and ``embed:<channel>`` (texts the model had to embed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ingest.embcache import EmbeddingCache
from regkb.embedders import Embedder
from regkb.store import DenseStore
from regkb.types import Passage

Progress = Callable[[str, int, int], None]
Metadata = Callable[[Passage], dict[str, str | int | float | bool | None]]
STREAM_BATCH = 512  # passages per step
EMBED_BATCH = 256  # texts per model call


@dataclass(slots=True)
class Channel:
    """One dense channel being written: its embedder, its collection and what it still needs."""

    spec: str
    embedder: Embedder
    store: DenseStore
    todo: frozenset[str]  # ids of the passages this channel must (re)write
    missing: int = 0  # distinct texts the cache lacks (what the model will embed)
    embedded: int = 0


def _embed_missing(channel: Channel, texts: Sequence[str], cache: EmbeddingCache) -> list[list[float]]:
    """Vectors for texts: cached ones read, the others embedded in length-sorted batches and cached."""
    name = channel.embedder.name
    found = cache.get_many(name, texts)
    missing = sorted(dict.fromkeys(t for t in texts if t not in found), key=len)
    for start in range(0, len(missing), EMBED_BATCH):
        batch = missing[start : start + EMBED_BATCH]
        vectors = channel.embedder.embed_documents(batch)
        cache.put_many(name, batch, vectors)
        found.update(zip(batch, vectors, strict=True))
    channel.embedded += len(missing)
    return [found[t] for t in texts]


def _documents_done(ordered: Sequence[Passage], done: int) -> int:
    """Documents all of whose passages are among the first `done` (passages are in document order)."""
    keys = [(p.root, p.doc_id) for p in ordered]
    finished = set(keys[:done]) - set(keys[done:])
    return len(finished)


def stream(
    channels: Sequence[Channel],
    passages: Sequence[Passage],
    cache: EmbeddingCache,
    metadata: Metadata,
    progress: Progress,
) -> None:
    """Embed and write every channel's todo passages, STREAM_BATCH passages at a time."""
    wanted = frozenset().union(*(c.todo for c in channels)) if channels else frozenset()
    ordered = [p for p in passages if p.id in wanted]
    documents = len({(p.root, p.doc_id) for p in ordered})
    for channel in channels:
        texts = {p.embed_text for p in ordered if p.id in channel.todo}
        channel.missing = len(texts) - len(cache.known(channel.embedder.name, texts))
        progress(f"embed:{channel.spec}", 0, channel.missing)
    for start in range(0, len(ordered), STREAM_BATCH):
        step = ordered[start : start + STREAM_BATCH]
        for channel in channels:
            mine = [p for p in step if p.id in channel.todo]
            if not mine:
                continue
            vectors = _embed_missing(channel, [p.embed_text for p in mine], cache)
            channel.store.upsert([p.id for p in mine], vectors, [metadata(p) for p in mine])
            progress(f"embed:{channel.spec}", min(channel.embedded, channel.missing), channel.missing)
        done = start + len(step)
        progress("passages", done, len(ordered))
        progress("documents", _documents_done(ordered, done), documents)


def channels_of(
    embedders: Mapping[str, Embedder], stores: Mapping[str, DenseStore], todo: Mapping[str, Sequence[Passage]]
) -> list[Channel]:
    return [
        Channel(spec, embedder, stores[spec], frozenset(p.id for p in todo[spec]))
        for spec, embedder in embedders.items()
    ]
