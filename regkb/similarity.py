"""One question's cosines against every passage of a dense channel, looked up per candidate.

A channel that rescores rather than proposes (the adapted e5 model, regkb/retrieval.py) gives
the ranker, for every candidate another channel proposed, how close the question is to it, how
far below the closest admitted passage that is, and how many admitted passages are closer.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence

import numpy as np


class Similarities(Mapping[str, tuple[float, float, float]]):
    """passage id -> (cosine, cosine less the best admitted one, admitted passages closer).

    ``ids`` come in sorted order, as DenseStore keeps them (it sorts them once when it reads the
    vectors); they are looked up by bisection, not checked per question (0.5 ms on the book)."""

    def __init__(self, ids: Sequence[str], scores: np.ndarray, admitted: np.ndarray | None = None) -> None:
        if len(ids) != len(scores):
            raise ValueError("Similarities: ids and scores must match one to one")
        self._ids = ids
        self._scores = scores
        pool = scores if admitted is None else scores[admitted]
        self._ascending = np.sort(pool)
        self._best = float(self._ascending[-1]) if len(pool) else 0.0

    def __getitem__(self, pid: str) -> tuple[float, float, float]:
        i = bisect_left(self._ids, pid)
        if i == len(self._ids) or self._ids[i] != pid:
            raise KeyError(pid)
        score = float(self._scores[i])
        closer = len(self._ascending) - int(np.searchsorted(self._ascending, score, side="right"))
        return score, score - self._best, float(closer)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)
