"""Dense scores are the cosines of the query with every stored vector, computed on one thread."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from regkb.store import ChromaDir


def test_query_scores_are_the_float64_cosines(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(3000, 384)) * rng.uniform(0.5, 2.0, size=(3000, 1))  # not unit rows
    store = ChromaDir(tmp_path / "c").create("scan", {"spec": "test"})
    store.upsert([f"p{i:04d}" for i in range(3000)], vectors.tolist(), [{"i": i} for i in range(3000)])
    query = 3.0 * rng.normal(size=384)
    got = store.query(query.tolist(), 50)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cosines = unit @ (query / np.linalg.norm(query))
    best = np.argsort(-cosines, kind="stable")[:50]
    assert [pid for pid, _ in got] == [f"p{i:04d}" for i in best]
    assert np.allclose([score for _, score in got], cosines[best], atol=1e-5)
