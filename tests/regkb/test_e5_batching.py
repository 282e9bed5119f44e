"""e5 batching: a few padded shapes (PADDED_LENGTHS x powers of two), vectors as before."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from regkb.embedders import e5, e5_batching
from regkb.embedders.e5_batching import PADDED_LENGTHS, Window, batches, pad


def _windows(lengths: list[int]) -> tuple[list[Window], list[int]]:
    windows = [Window(i, list(range(1, n + 1)), float(n)) for i, n in enumerate(lengths)]
    return windows, sorted(range(len(windows)), key=lambda i: lengths[i])


def test_batches_cover_every_window_once_in_few_shapes_within_the_budget() -> None:
    rng = np.random.default_rng(7)
    lengths = [int(n) for n in rng.integers(3, 513, size=400)]
    windows, order = _windows(lengths)
    found = batches(order, windows, budget=2048)
    assert sorted(i for b in found for i in b) == list(range(len(lengths)))
    shapes = set()
    for batch in found:
        ids, padded_lengths = pad([windows[i].ids for i in batch], filler=0)
        rows, width = ids.shape
        shapes.add((rows, width))
        assert width in PADDED_LENGTHS and width >= max(lengths[i] for i in batch)
        assert rows & (rows - 1) == 0 and rows >= len(batch)  # a power of two
        assert rows * width <= 2048 or rows == 1
        assert list(padded_lengths[: len(batch)]) == [lengths[i] for i in batch]
    assert len(shapes) <= 3 * len(PADDED_LENGTHS)  # unbucketed, these lengths gave ~300 shapes


def test_pad_fills_rows_past_each_length_and_repeats_the_last_row() -> None:
    ids, lengths = pad([[5, 6], [7, 8, 9]], filler=2)
    assert ids.shape == (2, 16)
    assert ids[0, :3].tolist() == [5, 6, 2] and ids[1, :4].tolist() == [7, 8, 9, 2]
    ids, lengths = pad([[5], [6], [7, 8, 9]], filler=2)
    assert ids.shape == (4, 16)
    assert lengths.tolist() == [1, 1, 3, 3] and ids[3, :3].tolist() == [7, 8, 9]


def _batches_before(order: list[int], windows: list[Window], budget: int) -> list[list[int]]:
    """The batching before PADDED_LENGTHS (each batch padded to its own longest window)."""
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        if current and len(windows[i].ids) * (len(current) + 1) > budget:
            batches.append(current)
            current = []
        current.append(i)
    return [*batches, current] if current else batches


def _pad_before(rows: list[list[int]], filler: int) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.array([len(r) for r in rows], dtype=np.int64)
    ids = np.full((len(rows), int(lengths.max())), filler, dtype=np.int64)
    for r, row in enumerate(rows):
        ids[r, : len(row)] = row
    return ids, lengths


def _statute_texts(count: int) -> list[str]:
    """Articles of the bundled statute database, from the shortest to ones past 510 tokens."""
    from ingest.sources.statutes import bundled_database

    with sqlite3.connect(f"file:{bundled_database()}?mode=ro", uri=True) as conn:
        texts = [row[0] for row in conn.execute("SELECT article_text FROM articles ORDER BY id")]
    by_length = sorted(set(texts), key=len)
    picks = np.linspace(0, len(by_length) - 1, count).astype(int)
    return [by_length[i] for i in picks]


@pytest.mark.integration
@pytest.mark.parametrize("quantisation", ["bf16", "fp32"])
def test_bucketed_vectors_match_the_unbucketed_ones(
    quantisation: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = _statute_texts(150)
    embedder = e5.E5Embedder(threads=2, quantisation=quantisation, cache_dir=tmp_path)
    assert max(embedder.token_count(t) for t in texts) > 510  # some texts run as several windows
    ours = np.array(embedder.embed_documents(texts))
    query = np.array(embedder.embed_query("催收人员可以向债务人的同事透露欠款吗"))
    with monkeypatch.context() as patched:
        patched.setattr(e5_batching, "batches", _batches_before)
        patched.setattr(e5_batching, "pad", _pad_before)
        before = np.array(embedder.embed_documents(texts))
        query_before = np.array(embedder.embed_query("催收人员可以向债务人的同事透露欠款吗"))
    cosines = (ours * before).sum(axis=1)  # unit rows
    assert cosines.min() >= 0.9999, f"text {int(cosines.argmin())}: cosine {cosines.min():.6f}"
    assert float(query @ query_before) >= 0.9999
