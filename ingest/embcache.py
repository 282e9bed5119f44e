"""A persistent cache of passage vectors keyed by (embedder name, sha256 of the embedded text).

It sits at the top of the index directory and outlives generations, so an unchanged passage
is never embedded twice, ``--rebuild`` of an unchanged corpus is fast, and an ingest that was
killed half-way resumes from the vectors it had already paid for.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    embedder TEXT NOT NULL,
    text_sha TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (embedder, text_sha)
) WITHOUT ROWID
"""
_CHUNK = 500  # keeps "IN (...)" below sqlite's variable limit


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path)
        self._db.execute(_SCHEMA)
        self._db.commit()

    def get_many(self, embedder: str, texts: Iterable[str]) -> dict[str, list[float]]:
        """Cached vectors by text (texts never embedded by this embedder are absent)."""
        by_key = {text_key(t): t for t in texts}
        keys = list(by_key)
        found: dict[str, list[float]] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT text_sha, vector FROM vectors WHERE embedder = ? AND text_sha IN ({marks})",
                (embedder, *chunk),
            )
            for key, blob in rows:
                found[by_key[key]] = np.frombuffer(blob, dtype=np.float32).tolist()
        return found

    def known(self, embedder: str, texts: Iterable[str]) -> set[str]:
        """The texts this embedder's vectors are cached for (keys only: no vector is read)."""
        by_key = {text_key(t): t for t in texts}
        keys = list(by_key)
        found: set[str] = set()
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT text_sha FROM vectors WHERE embedder = ? AND text_sha IN ({marks})",
                (embedder, *chunk),
            )
            found.update(by_key[key] for (key,) in rows)
        return found

    def put_many(self, embedder: str, texts: Sequence[str], vectors: Sequence[Sequence[float]]) -> None:
        rows = [
            (embedder, text_key(t), np.asarray(v, dtype=np.float32).tobytes())
            for t, v in zip(texts, vectors, strict=True)
        ]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)

    def close(self) -> None:
        self._db.close()
