"""Build the question memory (regkb/memory.py) from the train splits, whole and per fold."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from regkb.embedders import Embedder
from regkb.memory import QuestionMemory
from training.data import TrainQuestion, fold_of


def embed_questions(embedder: Embedder, questions: Sequence[TrainQuestion]) -> np.ndarray:
    return np.asarray([embedder.embed_query(q.question.question) for q in questions], dtype=np.float32)


def build_memory(
    embedder: Embedder,
    questions: Sequence[TrainQuestion],
    vectors: np.ndarray,
    keep: Sequence[bool] | None = None,
) -> QuestionMemory:
    """The answerable questions (those with gold articles), optionally only where keep is true."""
    rows = [
        i
        for i, q in enumerate(questions)
        if q.question.answerable and q.question.gold and (keep is None or keep[i])
    ]
    return QuestionMemory(
        embedder.name,
        tuple(questions[i].id for i in rows),
        tuple(questions[i].provenance for i in rows),
        vectors[rows] if rows else np.zeros((0, vectors.shape[1]), dtype=np.float32),
    )


def fold_memories(
    embedder: Embedder, questions: Sequence[TrainQuestion], vectors: np.ndarray, folds: int
) -> list[QuestionMemory]:
    """Memory f holds every question outside fold f (features of fold f never see themselves)."""
    assigned = [fold_of(q.id, folds) for q in questions]
    return [build_memory(embedder, questions, vectors, [a != f for a in assigned]) for f in range(folds)]
