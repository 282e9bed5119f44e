"""Filtered dense queries at the statute book's size: a filter that leaves out few records is
applied to an oversampled unfiltered query, a narrow one exactly over the allowed records' cached
vectors (or chroma's id filter); each gives the brute-force top k of the allowed records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import regkb.store as store_module
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


@pytest.mark.parametrize(
    ("excluded", "narrow_max"), [(0, 5000), (3, 5000), (40, 5000), (590, 5000), (400, 0)]
)
def test_filtered_queries_return_the_exact_top_k(
    filled: tuple[DenseStore, np.ndarray], excluded: int, narrow_max: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "OVERSAMPLE_MAX", 50)  # more excluded: a narrow filter
    monkeypatch.setattr(store_module, "NARROW_MAX", narrow_max)  # 0: chroma's own id filter
    store, vectors = filled
    allowed = {f"p{i:03d}" for i in range(excluded, N)}
    for seed in range(5):
        query = vectors[(seed * 37) % N] + 0.3 * vectors[(seed * 11 + 5) % N]
        got = [pid for pid, _ in store.query(query.tolist(), K, allowed)]
        assert got == _exact(vectors, query / np.linalg.norm(query), allowed)[: len(got)]
        assert len(got) == min(K, len(allowed))


def test_count_is_cached_and_reset_by_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "OVERSAMPLE_MAX", -1)  # every filter takes the cached-vectors path
    store = ChromaDir(tmp_path / "c").create("tiny", {"spec": "test"})
    store.upsert(["a", "b"], [[1.0, 0.0], [0.0, 1.0]], [{"i": 1}, {"i": 2}])
    assert store.count() == 2
    store.delete(["a"])
    assert store.count() == 1 and [pid for pid, _ in store.query([1.0, 0.0], 5)] == ["b"]
    assert [pid for pid, _ in store.query([1.0, 0.0], 5, {"b"})] == ["b"]
    store.upsert(["c"], [[1.0, 0.1]], [{"i": 3}])  # a write drops the cached vectors of a filter
    assert [pid for pid, _ in store.query([1.0, 0.0], 5, {"b", "c"})] == ["c", "b"]
