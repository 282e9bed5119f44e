"""The base and adapted e5 embedders of one process compute together (regkb/embedders/e5_pair.py):
the lower layers the adapter leaves alone run once, and each gets the vectors it computes alone."""

from __future__ import annotations

import weakref
from pathlib import Path

import numpy as np
import pytest

from regkb.embedders import e5_pair
from regkb.embedders.e5 import DEFAULT_CACHE_DIR, SHIPPED_ADAPTER, E5Embedder
from regkb.embedders.e5_pair import Kept

QUESTIONS = ["客户不接电话，我能打给他同事吗？", "委外机构管理办法第二十九条是什么内容？", "催收" * 600]
PASSAGES = [
    "第一条 为了规范催收行为，制定本办法。",
    "催收人员不得向债务人以外的第三人透露债务信息。" * 3,
    "短",
]


def test_kept_vectors_are_taken_once_and_the_oldest_go_first() -> None:
    kept = Kept(size=3)
    kept.put("a", ["x", "y"], np.eye(2, dtype=np.float32))
    kept.put("b", ["x"], np.ones((1, 2), dtype=np.float32))
    assert set(kept.take("a", ["x", "z"])) == {"x"}  # only what it holds, under that name
    assert kept.take("a", ["x"]) == {}  # taken once
    kept.put("a", ["p", "q", "r"], np.zeros((3, 2), dtype=np.float32))  # past size: y, then b's x go
    assert kept.take("a", ["y"]) == {} and kept.take("b", ["x"]) == {}
    assert list(kept.take("a", ["r", "p", "q"])) == ["r", "p", "q"]


@pytest.fixture
def alone(monkeypatch: pytest.MonkeyPatch):
    """Embedders that see no sibling (each computes alone)."""

    def make(adapter: Path | None) -> E5Embedder:
        monkeypatch.setattr(e5_pair, "_embedders", weakref.WeakSet())
        embedder = E5Embedder(adapter=adapter, cache_dir=DEFAULT_CACHE_DIR)
        monkeypatch.setattr(e5_pair, "_embedders", weakref.WeakSet())
        return embedder

    return make


@pytest.mark.integration
def test_query_vectors_computed_together_are_those_computed_alone(alone, monkeypatch) -> None:
    base_alone, adapted_alone = alone(None), alone(SHIPPED_ADAPTER)
    expected = [(base_alone.embed_query(q), adapted_alone.embed_query(q)) for q in QUESTIONS]
    monkeypatch.setattr(e5_pair, "_embedders", weakref.WeakSet())
    base, adapted = E5Embedder(), E5Embedder(adapter=SHIPPED_ADAPTER)
    for question, (b, a) in zip(QUESTIONS, expected, strict=True):
        assert base.embed_query(question) == b  # bit for bit
        assert e5_pair.QUERIES.take(adapted.name, [question])  # the adapted vector was kept ...
        e5_pair.QUERIES.put(adapted.name, [question], np.asarray([a], dtype=np.float32))
        assert adapted.embed_query(question) == pytest.approx(a, abs=1e-7)  # ... and is what it takes
    assert base._partner is adapted and adapted_alone._partner is None
    fresh = "一个基础模型从未见过的问题"
    assert adapted.embed_query(fresh) == adapted_alone.embed_query(fresh)  # not kept: computed alone
    joint = list(DEFAULT_CACHE_DIR.expanduser().glob("e5-small-query-*-base+*.onnx"))
    assert joint and joint[0].stat().st_size > 100_000_000  # 12 layers + the adapter's 4 of its own


@pytest.mark.integration
@pytest.mark.parametrize("native", [True, False], ids=["bf16-torch", "fp32-onnx"])
def test_passage_vectors_computed_together_are_those_computed_alone(alone, monkeypatch, native) -> None:
    from regkb.embedders import e5

    monkeypatch.setattr(e5, "native_bf16", lambda: native)  # documents on torch (bf16) or onnxruntime (fp32)
    base_alone, adapted_alone = alone(None), alone(SHIPPED_ADAPTER)
    assert base_alone.documents_runtime == ("torch" if native else "onnx")
    expected_base = base_alone.embed_documents(PASSAGES)
    expected_adapted = adapted_alone.embed_documents(PASSAGES)
    monkeypatch.setattr(e5_pair, "_embedders", weakref.WeakSet())
    base, adapted = E5Embedder(), E5Embedder(adapter=SHIPPED_ADAPTER)
    assert base.embed_documents(PASSAGES) == expected_base
    if native:
        assert base._shared_layers == {adapted.name: 8}  # the adapter's LoRA sits in the top 4 of 12
    else:
        assert set(base._documents) == {adapted.name}  # the joint graph, the lower 8 layers run once
    assert set(e5_pair.DOCUMENTS.take(adapted.name, PASSAGES[:1])) == {PASSAGES[0]}
    # the two it still keeps are taken as computed; the one taken above is computed again, alone
    # (in a batch of one: its padded shape differs, so its last digits may too)
    got = adapted.embed_documents(PASSAGES)
    if native:
        assert got[1:] == expected_adapted[1:]
    else:  # the joint graph's upper stack is another graph's: the same sums, perhaps in another order
        assert np.allclose(got[1:], expected_adapted[1:], atol=1e-6)
    assert np.dot(got[0], expected_adapted[0]) > 0.9999
    assert e5_pair.DOCUMENTS.take(adapted.name, PASSAGES) == {}
