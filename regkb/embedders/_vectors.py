"""Small numeric helpers shared by the embedder adapters (numpy only)."""

from __future__ import annotations

import numpy as np


def unit_rows(matrix: np.ndarray) -> list[list[float]]:
    """L2-normalise each row and return plain Python lists (what the index stores)."""
    arr = np.asarray(matrix, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[None, :]
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    arr = arr / np.maximum(norms, 1e-12)
    return [row.tolist() for row in arr]
