"""A persistent cache of passage vectors keyed by (embedder name, sha256 of the embedded text).

It sits at the top of the index directory and outlives generations, so an unchanged passage
is never embedded twice, ``--rebuild`` of an unchanged corpus is fast, and an ingest that was
killed half-way resumes from the vectors it had already paid for.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    embedder TEXT NOT NULL,
    text_sha TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (embedder, text_sha)
) WITHOUT ROWID
"""
_TOKENS_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    tokenizer TEXT NOT NULL,
    text_sha TEXT NOT NULL,
    tokens TEXT NOT NULL,
    PRIMARY KEY (tokenizer, text_sha)
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
        self._db.execute(_TOKENS_SCHEMA)
        self._db.commit()

    def _select(self, query: str, owner: str, keys: list[str]) -> list[tuple[Any, ...]]:
        """Rows of ``query AND text_sha IN (keys)``, asked _CHUNK keys at a time (SQLite's
        variable limit); ``query`` selects text_sha first and takes the owner as its one parameter."""
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows.extend(self._db.execute(f"{query} AND text_sha IN ({marks})", (owner, *chunk)))
        return rows

    def get_many(self, embedder: str, texts: Iterable[str]) -> dict[str, list[float]]:
        """Cached vectors by text (texts never embedded by this embedder are absent)."""
        by_key = {text_key(t): t for t in texts}
        rows = self._select("SELECT text_sha, vector FROM vectors WHERE embedder = ?", embedder, list(by_key))
        return {by_key[key]: np.frombuffer(blob, dtype=np.float32).tolist() for key, blob in rows}

    def known(self, embedder: str, texts: Iterable[str]) -> set[str]:
        """The texts this embedder's vectors are cached for (keys only: no vector is read)."""
        by_key = {text_key(t): t for t in texts}
        rows = self._select("SELECT text_sha FROM vectors WHERE embedder = ?", embedder, list(by_key))
        return {by_key[key] for (key,) in rows}

    def put_many(self, embedder: str, texts: Sequence[str], vectors: Sequence[Sequence[float]]) -> None:
        rows = [
            (embedder, text_key(t), np.asarray(v, dtype=np.float32).tobytes())
            for t, v in zip(texts, vectors, strict=True)
        ]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)

    def tokens_many(
        self, tokenizer: str, texts: Sequence[str], tokenize: Callable[[str], list[str]]
    ) -> list[list[str]]:
        """Each text's lexical tokens: cached ones read, the others computed and cached (jieba over
        the statute book takes minutes; a re-ingest that changed one law tokenizes only that law)."""
        by_key = {text_key(t): t for t in texts}
        rows = self._select(
            "SELECT text_sha, tokens FROM tokens WHERE tokenizer = ?", tokenizer, list(by_key)
        )
        found = {by_key[key]: json.loads(blob) for key, blob in rows}
        missing = [t for t in by_key.values() if t not in found]
        fresh = [(t, tokenize(t)) for t in missing]
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO tokens VALUES (?, ?, ?)",
                [(tokenizer, text_key(t), json.dumps(toks, ensure_ascii=False)) for t, toks in fresh],
            )
        found.update(fresh)
        return [found[t] for t in texts]

    def close(self) -> None:
        self._db.close()
