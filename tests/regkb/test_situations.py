"""Semantic situation matching over the curated conduct patterns."""

import numpy as np

from regkb import vocab
from regkb.embedders import make_embedder
from regkb.situations import SituationIndex, describe


def test_a_question_lands_on_the_situation_it_describes() -> None:
    embedder = make_embedder("hash")
    index = SituationIndex.build(embedder)
    assert len(index.situations) == sum(1 + len(p.examples) for p in vocab.load_conduct())
    pattern = vocab.load_conduct()[0]
    # the pattern's own description is its nearest situation, with cosine ~1
    best, score = index.match(embedder.embed_query(describe(pattern)), top=1, threshold=0.0)[0]
    assert best.name == pattern.name and score > 0.99
    assert best.provisions == pattern.provisions


def test_threshold_and_top_limit_matches() -> None:
    embedder = make_embedder("hash")
    index = SituationIndex.build(embedder)
    query = embedder.embed_query("今天食堂吃什么")
    assert len(index.match(query, top=3, threshold=-1.0)) == 3
    assert index.match(query, top=3, threshold=1.01) == []
    scores = [s for _, s in index.match(query, top=5, threshold=-1.0)]
    assert scores == sorted(scores, reverse=True)


def test_vectors_are_cached_and_reused(tmp_path) -> None:
    embedder = make_embedder("hash")
    first = SituationIndex.build(embedder, tmp_path)
    files = list(tmp_path.glob("situations-*.npy"))
    assert len(files) == 1
    marked = np.full_like(first.vectors, 0.5)
    np.save(files[0], marked)  # a cache that is used is read, not recomputed
    assert (SituationIndex.build(embedder, tmp_path).vectors == marked).all()


def test_a_broken_cache_is_rebuilt(tmp_path) -> None:
    embedder = make_embedder("hash")
    first = SituationIndex.build(embedder, tmp_path)
    cache = next(tmp_path.glob("situations-*.npy"))
    cache.write_bytes(b"")  # e.g. a disk that filled up mid-write
    assert (SituationIndex.build(embedder, tmp_path).vectors == first.vectors).all()
    assert (np.load(cache) == first.vectors).all()
