"""Contract tests for the dense store: every backend must pass the same suite.

Backends: the embedded PersistentClient, and chroma's own server (`chroma run --path DIR
--port P`, started on localhost by the fixture and stopped after the module) through HttpClient.
"""

from __future__ import annotations

import math
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from regkb.errors import ConfigError
from regkb.store import ChromaDir, DenseStore, collection_name, copy_chroma_dir, copy_collections
from tests import chroma_server as server

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


Backend = tuple[ChromaDir, Callable[[], ChromaDir]]  # (open store, how to reopen the same storage)


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real chroma server on localhost for this module's tests."""
    data = tmp_path_factory.mktemp("chroma-server")
    with server.chroma_server(data) as url:
        yield url
    shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(params=["chroma-persistent", pytest.param("chroma-server", marks=pytest.mark.integration)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "chroma-server":
        url, namespace = request.getfixturevalue("chroma_server"), f"t{uuid.uuid4().hex[:12]}"

        def reopen() -> ChromaDir:
            return ChromaDir(tmp_path / "unused", url=url, namespace=namespace)
    else:

        def reopen() -> ChromaDir:
            return ChromaDir(tmp_path / "chroma")

    chroma = reopen()
    yield chroma, reopen
    chroma.close()


@pytest.fixture
def store(backend: Backend) -> DenseStore:
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


def test_each_filter_keeps_its_own_rows_across_queries_and_writes(store: DenseStore) -> None:
    """The admitted-row mask of a filter's id set is remembered; another set or a write is not confused with it."""
    query = [1.0, 0.0, 0.0, 0.0]
    first, second = frozenset({"c", "d"}), frozenset({"a", "b"})
    for _ in range(2):
        assert {pid for pid, _ in store.query(query, k=3, ids_allowed=first)} == {"c", "d"}
        assert {pid for pid, _ in store.query(query, k=3, ids_allowed=second)} == {"a", "b"}
    store.upsert(["e"], [[1.0, 0.0, 0.0, 0.0]], [_meta("e")])
    assert store.query(query, k=1, ids_allowed=frozenset({"d", "e"}))[0][0] == "e"
    assert {pid for pid, _ in store.query(query, k=5, ids_allowed=first)} == {"c", "d"}


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


def stored(collection: DenseStore) -> dict[str, list[float]]:
    """Every stored vector by id, read through the public records() path."""
    return {r.id: r.vector or [] for r in collection.records(vectors=True)}


def test_persists_across_reopen_with_settings(backend: Backend, store: DenseStore) -> None:
    chroma, reopen = backend
    chroma.close()
    reopened = reopen()
    try:
        again = reopened.open("test-coll")
        assert again.count() == 4
        assert again.query([0.0, 1.0, 0.0, 0.0], k=1)[0][0] == "c"
        assert again.settings == {"spec": "hash", "dim": 4}
        assert stored(again)["b"] == pytest.approx(VECTORS["b"])
        with pytest.raises(KeyError):
            reopened.open("missing-coll")
    finally:
        reopened.close()


def test_copy_is_independent_of_its_source(backend: Backend, store: DenseStore, tmp_path: Path) -> None:
    chroma, _ = backend
    with ChromaDir(tmp_path / "copy", url=chroma.url, namespace=f"c{uuid.uuid4().hex[:12]}") as copy:
        copy_collections(chroma, copy)
        copied = copy.open("test-coll")
        assert copied.settings == {"spec": "hash", "dim": 4}
        assert stored(copied)["b"] == pytest.approx(VECTORS["b"])
        copied.delete(["a"])
        copied.upsert(["e"], [[0.0, 0.0, 0.7, 0.7]], [_meta("e")])
        assert copied.count() == 4
    assert store.count() == 4
    assert stored(store).keys() == {"a", "b", "c", "d"}


def test_namespaces_keep_generations_apart(backend: Backend, store: DenseStore, tmp_path: Path) -> None:
    chroma, _ = backend
    with ChromaDir(tmp_path / "other", url=chroma.url, namespace="othergen") as other:
        assert "test-coll" not in other.collection_names()
        other.create("test-coll", {"spec": "x"})
        other.drop("test-coll")
    assert chroma.open("test-coll").count() == 4


def test_embedded_directory_copy_is_a_consistent_snapshot(tmp_path: Path) -> None:
    with ChromaDir(tmp_path / "chroma") as chroma:
        chroma.create("test-coll", {"spec": "hash"}).upsert(["a"], [VECTORS["a"]], [_meta("a")])
        copy_chroma_dir(tmp_path / "chroma", tmp_path / "copy")
    with ChromaDir(tmp_path / "copy") as copy:
        assert stored(copy.open("test-coll"))["a"] == pytest.approx(VECTORS["a"])


def test_a_bad_chroma_url_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="REGKB_CHROMA_URL"):
        ChromaDir(tmp_path, url="localhost:8000")


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


def test_long_names_fit_under_a_generation_namespace(backend: Backend, tmp_path: Path) -> None:
    chroma, _ = backend
    namespace = f"regkb-20261129T192536-{uuid.uuid4().hex[:6]}"
    name = collection_name("st:/home/me/models/bge-small-zh-v1.5+adapter-0123456789abcdef", 480)
    with ChromaDir(tmp_path / "ns", url=chroma.url, namespace=namespace) as ns:
        assert len(namespace) + 2 + len(name) > 63  # the plain concatenation would not fit
        ns.create(name, {"spec": "st"}).upsert(["a"], [VECTORS["a"]], [_meta("a")], ['{"id": "a"}'])
        assert ns.collection_names() == [name]
        assert next(ns.open(name).records()).document == '{"id": "a"}'
        assert namespace in ns.namespaces()
        assert ns.drop_all() == [name]
        assert ns.collection_names() == [] and namespace not in ns.namespaces()


def test_top_rows_equal_a_stable_full_sort_ties_included() -> None:
    import numpy as np

    from regkb.store import _top

    rng = np.random.default_rng(7)
    for trial in range(200):
        m = int(rng.integers(1, 300))
        # integer scores make many ties at the cut; -inf marks rows a filter excluded
        scores = (
            rng.integers(0, 4, m).astype(np.float32)
            if trial % 2
            else rng.standard_normal(m).astype(np.float32)
        )
        scores[rng.integers(0, m, 2)] = -np.inf
        n = int(rng.integers(0, m + 1))
        assert _top(scores, n).tolist() == np.argsort(-scores, kind="stable")[:n].tolist()
