"""Semantic situation matching: the question's embedding against the curated conduct patterns.

The regex patterns in conduct.yaml fire on the phrasings their authors foresaw. This channel
generalises them: each pattern's name and legal terms are embedded once, and a question that
describes the same situation in other words lands near it, bringing the provisions the
pattern engages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from regkb import vocab
from regkb.embedders import Embedder
from regkb.types import Provenance


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
    def build(cls, embedder: Embedder) -> SituationIndex:
        """One vector per description and per example question; a situation scores its best."""
        situations: list[Situation] = []
        texts: list[str] = []
        for pattern in vocab.load_conduct():
            for text in (describe(pattern), *pattern.examples):
                situations.append(Situation(pattern.name, pattern.provisions))
                texts.append(text)
        vectors = np.asarray(embedder.embed_documents(texts), dtype=np.float32)
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
