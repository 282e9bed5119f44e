"""Two e5 embedders of one process, the base model and the same model with an adapter in its
upper layers (the default channels ``e5`` and ``e5:lora``), compute together.

The adapter leaves the lower layers alone, so their hidden states are the same for both. The
base embedder runs those layers once and both upper stacks after them, returns its own vectors
and keeps the adapted ones here until the adapted embedder asks for the same texts (a retrieval
asks e5 then e5:lora for one question; an ingest embeds each step's texts for e5 then e5:lora).
The vectors are the ones each embedder computes alone (tests/regkb/test_e5_pair.py): bit for bit
on torch, the same kernels on the same inputs; within 1e-6 for the adapted ones of onnxruntime's
joint graph (measured on fp32 documents), another graph whose sums may run in another order.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np


class _E5(Protocol):
    name: str
    adapter: Path | None
    queries: str
    cache_dir: Path
    quantisation: str


_embedders: weakref.WeakSet = weakref.WeakSet()  # every E5Embedder of the process


def register(embedder: _E5) -> None:
    _embedders.add(embedder)


def adapted_sibling(embedder: _E5, queries: bool) -> _E5 | None:
    """An adapted embedder of this process to compute beside ``embedder`` when that is the base
    one: on the same cache, with onnxruntime queries (queries) or the same precision (documents)."""
    if embedder.adapter is not None:
        return None
    for other in list(_embedders):
        same = other.queries == "onnx" if queries else other.quantisation == embedder.quantisation
        if other.adapter is not None and other.cache_dir == embedder.cache_dir and same:
            return other
    return None


class Kept:
    """Vectors computed for another embedder, by (embedder name, text), the oldest dropped past
    ``size`` (an adapted embedder that never asks leaves at most this many behind)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, name: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        with self._lock:
            for text, vector in zip(texts, vectors, strict=True):
                self._vectors[(name, text)] = vector
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)

    def take(self, name: str, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The vectors kept for those of the texts that have one (forgotten once taken)."""
        with self._lock:
            return {
                t: self._vectors.pop((name, t)) for t in dict.fromkeys(texts) if (name, t) in self._vectors
            }


QUERIES = Kept(256)
DOCUMENTS = Kept(4096)  # an ingest step is 512 passages (ingest/embedding.py STREAM_BATCH)
