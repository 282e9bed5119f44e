"""Semantic situation matching: the question's embedding against the curated conduct patterns.

The regex patterns in conduct.yaml fire on the phrasings their authors foresaw. This channel
generalises them: each pattern's name and legal terms are embedded once, and a question that
describes the same situation in other words lands near it, bringing the provisions the
pattern engages.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from regkb import vocab
from regkb.embedders import Embedder
from regkb.types import Provenance, short_hash

log = logging.getLogger(__name__)


def _load(path: Path, rows: int) -> np.ndarray | None:
    """The cached vectors, or None when the file is unreadable or of the wrong shape."""
    try:
        vectors = np.load(path)
    except (OSError, ValueError, EOFError) as exc:
        log.info("ignoring unreadable situation cache %s: %s", path, exc)
        return None
    return vectors if vectors.ndim == 2 and vectors.shape[0] == rows else None


def _save(path: Path, vectors: np.ndarray) -> None:
    """Write atomically; a read-only index directory just means no cache."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp-{os.getpid()}.npy")
        np.save(tmp, vectors)
        os.replace(tmp, path)
    except OSError as exc:
        log.info("situation vectors not cached in %s: %s", path.parent, exc)


def describe(pattern: vocab.ConductPattern) -> str:
    """What is embedded for a pattern: its name and legal terms."""
    return f"{pattern.name}：{'、'.join(pattern.terms)}" if pattern.terms else pattern.name


@dataclass(frozen=True, slots=True)
class Situation:
    name: str
    provisions: tuple[Provenance, ...]


class SituationIndex:
    def __init__(self, situations: Sequence[Situation], vectors: np.ndarray) -> None:
        self.situations = tuple(situations)
        self.vectors = vectors

    @classmethod
    def build(cls, embedder: Embedder, cache_dir: Path | None = None) -> SituationIndex:
        """One vector per description and per example question; a situation scores its best.

        The vectors are cached in cache_dir under a name derived from the embedder and the
        texts, so a later start loads them instead of embedding ~800 texts again.
        """
        situations: list[Situation] = []
        texts: list[str] = []
        for pattern in vocab.load_conduct():
            for text in (describe(pattern), *pattern.examples):
                situations.append(Situation(pattern.name, pattern.provisions))
                texts.append(text)
        key = short_hash(embedder.name, *texts)
        cached = cache_dir / f"situations-{key}.npy" if cache_dir is not None else None
        if cached is not None and cached.is_file():
            vectors = _load(cached, len(texts))
            if vectors is not None:
                return cls(situations, vectors)
        vectors = np.asarray(embedder.embed_documents(texts), dtype=np.float32)
        if cached is not None:
            _save(cached, vectors)
        return cls(situations, vectors)

    def match(
        self, query_vector: Sequence[float], top: int, threshold: float
    ) -> list[tuple[Situation, float]]:
        """The closest distinct situations at or above threshold (cosine), best first."""
        if not len(self.situations):
            return []
        scores = self.vectors @ np.asarray(query_vector, dtype=np.float32)
        found: list[tuple[Situation, float]] = []
        for i in np.argsort(-scores):
            if scores[i] < threshold or len(found) == top:
                break
            if all(self.situations[i].name != s.name for s, _ in found):
                found.append((self.situations[i], float(scores[i])))
        return found
