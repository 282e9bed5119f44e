"""The question memory: training questions, as e5 vectors, with the articles that answered them.

Real questions repeat: many people ask about the same few articles in their own words. The
memory holds the vectors of the training splits' questions (never their text) and the gold
articles of each. A new question close to past ones proposes those articles, scored by the
closeness; the ranker decides how much that is worth. Built by ``make train``
(training/memory.py) for one embedder; an index queried with another embedder (another
adapter, the test hash embedder) gets no memory channel rather than a wrong one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from regkb.errors import ConfigError
from regkb.types import Provenance

log = logging.getLogger(__name__)
DATA = Path(str(resources.files("regkb").joinpath("data")))
MEMORY_JSON = DATA / "memory.json"
MEMORY_VECTORS = DATA / "memory.npy"
MEMORY_MIN = 0.80  # e5 cosines below this are not "the same question"


@dataclass(frozen=True, slots=True)
class QuestionMemory:
    embedder: str
    ids: tuple[str, ...]
    refs: tuple[tuple[Provenance, ...], ...]
    vectors: np.ndarray  # (n, dim) unit rows, float32

    def match(
        self, vector: Sequence[float], top: int, exclude: str | None = None
    ) -> list[tuple[tuple[Provenance, ...], float]]:
        """The gold articles of the closest past questions, with their cosine, best first."""
        if not len(self.ids):
            return []
        scores = self.vectors @ np.asarray(vector, dtype=np.float32)
        out: list[tuple[tuple[Provenance, ...], float]] = []
        for i in np.argsort(-scores):
            if scores[i] < MEMORY_MIN or len(out) == top:
                break
            if self.ids[i] != exclude:
                out.append((self.refs[i], float(scores[i])))
        return out

    def held(self, holds: Callable[[Provenance], bool]) -> QuestionMemory:
        """Only the past questions whose every gold article this index holds: a question answered
        from articles the index lacks (a statute-book question on an index of a few laws) proposes
        nothing here and would only crowd the matches the index can use."""
        keep = [i for i, refs in enumerate(self.refs) if refs and all(holds(p) for p in refs)]
        if len(keep) == len(self.ids):
            return self
        return self._rows(keep)

    def without(self, question_id: str) -> QuestionMemory:
        """The memory less one past question (a train question asked as if it were new)."""
        return self._rows([i for i, known in enumerate(self.ids) if known != question_id])

    def _rows(self, keep: Sequence[int]) -> QuestionMemory:
        rows = np.asarray(keep, dtype=np.int64)
        ids = tuple(self.ids[i] for i in keep)
        return QuestionMemory(self.embedder, ids, tuple(self.refs[i] for i in keep), self.vectors[rows])

    def save(
        self, json_path: Path = MEMORY_JSON, vectors_path: Path = MEMORY_VECTORS, **meta: object
    ) -> None:
        doc = {
            "embedder": self.embedder,
            "meta": meta,
            "questions": [
                {"id": qid, "refs": [[p.title, p.article] for p in refs]}
                for qid, refs in zip(self.ids, self.refs, strict=True)
            ],
        }
        json_path.write_text(json.dumps(doc, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
        np.save(vectors_path, self.vectors.astype(np.float16))


def load_memory(json_path: Path = MEMORY_JSON, vectors_path: Path = MEMORY_VECTORS) -> QuestionMemory | None:
    """The shipped memory, or None when there is none."""
    if not json_path.is_file() or not vectors_path.is_file():
        return None
    try:
        doc = json.loads(json_path.read_text(encoding="utf-8"))
        vectors = np.load(vectors_path).astype(np.float32)
        questions = doc["questions"]
        ids = tuple(str(q["id"]) for q in questions)
        refs = tuple(tuple(Provenance(t, a) for t, a in q["refs"]) for q in questions)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{json_path}: unreadable question memory ({exc}); run `make train`") from exc
    if vectors.shape[0] != len(ids):
        raise ConfigError(
            f"{vectors_path}: {vectors.shape[0]} vectors for {len(ids)} questions; run `make train`"
        )
    return QuestionMemory(str(doc["embedder"]), ids, refs, vectors)
