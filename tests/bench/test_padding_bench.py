"""bench/padding_bench.py: the calls it replays are an ingest's, and --time runs each call with both
sets of lengths, alternating which goes first, and puts the runtime's lengths back."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

import pytest

from ingest.embedding import EMBED_BATCH, STREAM_BATCH
from regkb.embedders import e5_batching
from tests.conftest import REPO


def _load_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_padding", REPO / "bench" / "padding_bench.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_call_texts_are_an_ingests_calls() -> None:
    bench = _load_module()
    texts = [f"第{i}条" + "字" * (i % 7) for i in range(STREAM_BATCH + 10)]
    texts[1] = texts[0]  # a repeated text is embedded once per step
    calls = bench._call_texts(texts)
    first_step = sorted(dict.fromkeys(texts[:STREAM_BATCH]), key=len)
    assert calls[0] == first_step[:EMBED_BATCH]
    assert calls[1] == first_step[EMBED_BATCH:]
    assert calls[-1] == sorted(texts[STREAM_BATCH:], key=len)
    assert sum(len(c) for c in calls) == len(texts) - 1


class _Recorder:
    """Stands in for an e5 document model: records the padded lengths in force at each call."""

    def __init__(self, seen: list[tuple[str, tuple[int, ...], tuple[str, ...]]], name: str) -> None:
        self.seen, self.name = seen, name

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.seen.append((self.name, e5_batching.PADDED_LENGTHS, tuple(texts)))
        return [[0.0] for _ in texts]


def test_time_runs_every_call_with_both_lengths_alternating_and_restores_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bench = _load_module()
    seen: list[tuple[str, tuple[int, ...], tuple[str, ...]]] = []
    monkeypatch.setattr(bench, "make_embedder", lambda spec: _Recorder(seen, spec))
    monkeypatch.setattr(bench, "STREAM_BATCH", 4)
    monkeypatch.setattr(bench, "EMBED_BATCH", 4)
    now = e5_batching.PADDED_LENGTHS
    assert now != bench.BEFORE
    texts = [f"条文{i}" for i in range(20)]
    spent = bench.cpu_seconds(texts, 8)
    assert now == e5_batching.PADDED_LENGTHS
    assert set(spent) == {now, bench.BEFORE} and all(v >= 0 for v in spent.values())
    timed = [s for s in seen if s[2] != ("预热",)]
    sample = tuple(texts[::2][:8])
    assert sorted({t for s in timed for t in s[2]}) == sorted(sample)
    # per call: e5 then e5:lora with one set of lengths, then both with the other; the first set alternates
    orders = [(timed[i][1], timed[i + 2][1]) for i in range(0, len(timed), 4)]
    assert orders == [(now, bench.BEFORE), (bench.BEFORE, now)]
    assert [s[0] for s in timed] == ["e5", "e5:lora"] * 4
