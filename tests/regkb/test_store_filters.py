"""Dense queries are exact: with or without a filter, wide or narrow, a query gives the
brute-force top k of the allowed records, and a write is seen by the next query."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from regkb.store import ChromaDir, DenseStore

N, DIM, K = 600, 16, 10


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> tuple[DenseStore, np.ndarray]:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(N, DIM))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    store = ChromaDir(tmp_path_factory.mktemp("chroma") / "c").create("book", {"spec": "test"})
    store.upsert([f"p{i:03d}" for i in range(N)], vectors.tolist(), [{"i": i} for i in range(N)])
    return store, vectors


def _exact(vectors: np.ndarray, query: np.ndarray, allowed: set[str]) -> list[str]:
    order = np.argsort(-(vectors @ query))
    return [f"p{i:03d}" for i in order if f"p{i:03d}" in allowed][:K]


@pytest.mark.parametrize("excluded", [0, 3, 40, 400, 590])
def test_filtered_queries_return_the_exact_top_k(
    filled: tuple[DenseStore, np.ndarray], excluded: int
) -> None:
    store, vectors = filled
    allowed = {f"p{i:03d}" for i in range(excluded, N)}
    for seed in range(5):
        query = vectors[(seed * 37) % N] + 0.3 * vectors[(seed * 11 + 5) % N]
        got = [pid for pid, _ in store.query(query.tolist(), K, allowed)]
        assert got == _exact(vectors, query / np.linalg.norm(query), allowed)[: len(got)]
        assert len(got) == min(K, len(allowed))


def test_count_is_cached_and_reset_by_writes(tmp_path: Path) -> None:
    store = ChromaDir(tmp_path / "c").create("tiny", {"spec": "test"})
    store.upsert(["a", "b"], [[1.0, 0.0], [0.0, 1.0]], [{"i": 1}, {"i": 2}])
    assert store.count() == 2
    store.delete(["a"])
    assert store.count() == 1 and [pid for pid, _ in store.query([1.0, 0.0], 5)] == ["b"]
    assert [pid for pid, _ in store.query([1.0, 0.0], 5, {"b"})] == ["b"]
    store.upsert(["c"], [[1.0, 0.1]], [{"i": 3}])  # a write drops the cached vectors
    assert [pid for pid, _ in store.query([1.0, 0.0], 5, {"b", "c"})] == ["c", "b"]
