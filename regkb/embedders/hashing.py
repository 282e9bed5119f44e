"""A deterministic character-hash embedder for tests (no model, no randomness).

Every character and every adjacent character bigram of a text is hashed with sha256
(never Python's salted ``hash``) into one of ``dim`` buckets; the bucket counts are
L2-normalised. Texts that share 汉字 share buckets, so they really are closer than
unrelated texts, which is what retrieval tests need to mean something.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise

import numpy as np

from regkb.embedders._vectors import unit_rows

_SKIP = frozenset(" \t\r\n\u3000，。、；：？！“”‘’（）《》【】,.;:?!\"'()[]")


@lru_cache(maxsize=65536)
def _bucket(feature: str, dim: int) -> tuple[int, float]:
    digest = hashlib.sha256(feature.encode("utf-8")).digest()
    index = int.from_bytes(digest[:8], "little") % dim
    sign = 1.0 if digest[8] & 1 else -1.0
    return index, sign


def _features(text: str) -> list[str]:
    chars = [c for c in text.lower() if c not in _SKIP]
    return chars + [a + b for a, b in pairwise(chars)]


class HashEmbedder:
    """Character + bigram feature hashing into ``dim`` signed buckets."""

    def __init__(self, dim: int = 256) -> None:
        if dim < 8:
            raise ValueError(f"HashEmbedder: dim must be at least 8, got {dim}")
        self.dim = dim
        self.name = f"hash-{dim}"

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for feature in _features(text):
            index, sign = _bucket(feature, self.dim)
            vec[index] += sign
        if not vec.any():  # empty or punctuation-only text: a fixed, valid unit vector
            vec[0] = 1.0
        return vec

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        return unit_rows(np.stack([self._vector(t) for t in texts]))

    def embed_query(self, text: str) -> list[float]:
        return unit_rows(self._vector(text))[0]
