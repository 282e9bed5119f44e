"""Contract tests for the dense store: every backend must pass the same suite."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from regkb.store import ChromaDir, DenseStore, collection_name, copy_chroma_dir

VECTORS = {
    "a": [1.0, 0.0, 0.0, 0.0],
    "b": [0.8, 0.6, 0.0, 0.0],
    "c": [0.0, 1.0, 0.0, 0.0],
    "d": [0.0, 0.0, 1.0, 0.0],
}


def _meta(pid: str) -> dict[str, str | None]:
    return {"doc_id": f"laws/{pid}.md", "level": "法律", "status": "现行有效", "effective": None}


def _cos(u: list[float], v: list[float]) -> float:
    dot = sum(x * y for x, y in zip(u, v, strict=True))
    return dot / (math.sqrt(sum(x * x for x in u)) * math.sqrt(sum(y * y for y in v)))


@pytest.fixture(params=["chroma-persistent"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[ChromaDir, Path]]:
    chroma = ChromaDir(tmp_path / "chroma")
    yield chroma, tmp_path / "chroma"
    chroma.close()


@pytest.fixture
def store(backend: tuple[ChromaDir, Path]) -> DenseStore:
    chroma, _ = backend
    s = chroma.create("test-coll", {"spec": "hash", "dim": 4})
    ids = list(VECTORS)
    s.upsert(ids, [VECTORS[i] for i in ids], [_meta(i) for i in ids])
    return s


def test_query_ranks_by_cosine_similarity(store: DenseStore) -> None:
    query = [1.0, 0.2, 0.0, 0.0]
    hits = store.query(query, k=3)
    assert [pid for pid, _ in hits] == ["a", "b", "c"]
    for pid, score in hits:
        assert score == pytest.approx(_cos(query, VECTORS[pid]), abs=1e-5)


def test_query_scale_invariant_and_k_larger_than_count(store: DenseStore) -> None:
    hits = store.query([0.0, 0.0, 5.0, 0.0], k=50)
    assert len(hits) == 4
    assert hits[0] == ("d", pytest.approx(1.0, abs=1e-5))


def test_ids_allowed_restricts_the_search(store: DenseStore) -> None:
    hits = store.query([1.0, 0.0, 0.0, 0.0], k=3, ids_allowed={"c", "d"})
    assert {pid for pid, _ in hits} == {"c", "d"}
    assert store.query([1.0, 0.0, 0.0, 0.0], k=3, ids_allowed=set()) == []


def test_upsert_replaces_and_delete_removes(store: DenseStore) -> None:
    store.upsert(["a"], [[0.0, 0.0, 0.0, 1.0]], [_meta("a")])
    assert store.count() == 4
    assert store.query([0.0, 0.0, 0.0, 1.0], k=1)[0][0] == "a"
    store.delete(["a", "b"])
    assert store.count() == 2
    assert {pid for pid, _ in store.query([1.0, 0.0, 0.0, 0.0], k=4)} == {"c", "d"}


def test_upsert_rejects_mismatched_lengths(store: DenseStore) -> None:
    with pytest.raises(ValueError, match="differ in length"):
        store.upsert(["x", "y"], [[1.0, 0, 0, 0]], [_meta("x"), _meta("y")])


def test_persists_across_reopen_with_settings(backend: tuple[ChromaDir, Path], store: DenseStore) -> None:
    chroma, path = backend
    chroma.close()
    reopened = ChromaDir(path)
    try:
        again = reopened.open("test-coll")
        assert again.count() == 4
        assert again.query([0.0, 1.0, 0.0, 0.0], k=1)[0][0] == "c"
        assert again.settings == {"spec": "hash", "dim": 4}
        assert again.vectors(["b"])["b"] == pytest.approx(VECTORS["b"])
        with pytest.raises(KeyError):
            reopened.open("missing-coll")
    finally:
        reopened.close()


def test_copy_is_independent_of_its_source(
    backend: tuple[ChromaDir, Path], store: DenseStore, tmp_path: Path
) -> None:
    _, path = backend
    copy_chroma_dir(path, tmp_path / "copy")
    with ChromaDir(tmp_path / "copy") as copy:
        copied = copy.open("test-coll")
        copied.delete(["a"])
        copied.upsert(["e"], [[0.0, 0.0, 0.7, 0.7]], [_meta("e")])
        assert copied.count() == 4
    assert store.count() == 4
    assert store.vectors(["a", "e"]).keys() == {"a"}


def test_collection_name_is_chroma_safe_and_tracks_what_shapes_vectors() -> None:
    names = {
        collection_name("intfloat/multilingual-e5-small@fp32", 480),
        collection_name("intfloat/multilingual-e5-small@fp32", 256),
        collection_name("use-m3", 480),
        collection_name("st:/home/me/models/bge small zh", 480),
    }
    assert len(names) == 4
    for name in names:
        assert 3 <= len(name) <= 63
        assert re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9._-]*[a-zA-Z0-9]", name)
    assert collection_name("x", 480) == collection_name("x", 480)
