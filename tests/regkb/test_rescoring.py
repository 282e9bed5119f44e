"""The adapted e5 channel rescores candidates: each candidate's cosine, gap to the best admitted
passage and how many admitted passages are closer, as ranker features (regkb.ranker.RESCORING)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from regkb.ranker import FEATURES, build_candidates, query_context
from regkb.retrieval import dense_slots
from regkb.similarity import Similarities
from regkb.store import ChromaDir
from regkb.types import Passage

VECTORS = {"a": [1.0, 0.0, 0.0], "b": [0.6, 0.8, 0.0], "c": [0.0, 1.0, 0.0], "d": [0.0, 0.0, 1.0]}


def test_each_passage_gets_its_cosine_its_gap_to_the_best_and_how_many_are_closer() -> None:
    sims = Similarities(["a", "b", "c", "d"], np.array([0.9, 0.5, 0.5, -0.2]))
    assert sims["a"] == (pytest.approx(0.9), 0.0, 0.0)
    assert sims["b"] == (pytest.approx(0.5), pytest.approx(-0.4), 1.0)  # ties are not closer
    assert sims["c"][2] == 1.0 and sims["d"] == (pytest.approx(-0.2), pytest.approx(-1.1), 3.0)
    assert len(sims) == 4 and list(sims) == ["a", "b", "c", "d"]
    with pytest.raises(KeyError):
        sims["zz"]


def test_the_gap_and_the_rank_count_only_admitted_passages() -> None:
    sims = Similarities(["a", "b", "c"], np.array([0.9, 0.5, 0.1]), admitted=np.array([False, True, True]))
    assert sims["b"] == (pytest.approx(0.5), 0.0, 0.0)
    assert sims["c"] == (pytest.approx(0.1), pytest.approx(-0.4), 1.0)


def test_ids_and_scores_must_match() -> None:
    with pytest.raises(ValueError, match="one to one"):
        Similarities(["a", "b"], np.array([0.1]))


def test_a_dense_store_gives_every_passage_its_cosine_to_the_question(tmp_path: Path) -> None:
    chroma = ChromaDir(tmp_path / "chroma")
    store = chroma.create("test-coll", {"spec": "hash", "dim": 3})
    ids = ["d", "b", "a", "c"]  # any write order: the store reads them back sorted, as Similarities needs
    store.upsert(ids, [VECTORS[i] for i in ids], [{"doc_id": f"{i}.md"} for i in ids])
    sims = store.similarities([2.0, 0.0, 0.0])  # scale does not matter
    assert sims["a"] == (pytest.approx(1.0), pytest.approx(0.0), 0.0)
    assert sims["b"] == (pytest.approx(0.6), pytest.approx(-0.4), 1.0)
    assert sims["d"] == (pytest.approx(0.0), pytest.approx(-1.0), 2.0)  # c ties d at 0
    only = store.similarities([1.0, 0.0, 0.0], frozenset({"c", "d"}))
    assert only["c"][1:] == (0.0, 0.0) and only["a"][0] == pytest.approx(1.0)
    chroma.close()


def test_the_adapter_rescores_only_beside_a_base_e5_channel() -> None:
    assert dense_slots(["e5", "e5:lora", "use"]) == {"e5": "e5", "e5:lora": "e5a", "use": "use"}
    assert dense_slots(["e5:fp32", "e5:fp32:lora:onnx"])["e5:fp32:lora:onnx"] == "e5a"
    # alone, the adapted model is the index's e5 channel (it proposes, and feeds the e5 features)
    assert dense_slots(["e5:lora", "use"]) == {"e5:lora": "e5", "use": "use"}
    assert dense_slots(["hash"]) == {"hash": "e5"}


def _passage(pid: str) -> Passage:
    return Passage(pid, "laws/a.md", "r", "标题", "简称", "法律", f"第{pid}条", "正文")


def test_rows_carry_the_rescoring_channels_figures_and_zeros_without_it() -> None:
    passages = {pid: _passage(pid) for pid in ("a", "b")}
    lists = {"bm25": [("a", 3.0), ("b", 1.0)]}
    sims = Similarities(["a", "b", "c"], np.array([0.2, 0.7, 0.9]))
    found = build_candidates(lists, passages, query_context("问", []), {"e5a": sims})
    rows = {pid: dict(zip(FEATURES, found.matrix[i], strict=True)) for i, pid in enumerate(found.ids)}
    assert rows["b"]["cos_e5a"] == pytest.approx(0.7) and rows["b"]["gap_e5a"] == pytest.approx(-0.2)
    assert rows["a"]["rank_e5a"] == 2.0 and rows["b"]["rank_e5a"] == 1.0
    assert rows["a"]["n_channels"] == 1  # rescoring is not a proposal
    bare = build_candidates(lists, passages, query_context("问", []))
    assert not bare.matrix[:, FEATURES.index("cos_e5a")].any()
    assert np.array_equal(
        bare.matrix[:, : FEATURES.index("cos_e5a")], found.matrix[:, : FEATURES.index("cos_e5a")]
    )


@pytest.mark.integration
def test_the_engine_rescores_every_candidate_with_the_adapted_model(real_index: Path) -> None:
    """On the real index: every candidate row holds the e5:lora cosine its vectors give."""
    from regkb.embedders import make_embedder
    from regkb.engine import Engine
    from regkb.index import IndexReader
    from regkb.settings import Settings

    engine = Engine(Settings(index_dir=real_index))
    question = "客户不接电话，我能打给他同事吗？"
    found, _ = engine.candidates(question)
    store = IndexReader.open(real_index).dense("e5:lora")
    ids, matrix = store._everything()  # the store's own vectors, to check against
    query = np.asarray(make_embedder("e5:lora").embed_query(question), dtype=np.float32)
    query /= np.linalg.norm(query)
    cosines = dict(zip(ids, matrix @ query, strict=True))
    column = FEATURES.index("cos_e5a")
    assert len(found.ids) > 20
    for row, pid in enumerate(found.ids):
        assert found.matrix[row, column] == pytest.approx(cosines[pid], abs=1e-4)
    values = np.array(list(cosines.values()))
    for row in range(len(found.ids)):
        cos, gap, rank = found.matrix[row, column : column + 3]
        assert gap == pytest.approx(cos - values.max(), abs=1e-4)
        assert (values > cos + 1e-4).sum() <= rank <= (values > cos - 1e-4).sum()


def test_an_index_without_a_configured_channel_is_named_in_a_warning(hash_index: Path, caplog) -> None:
    from regkb.engine import Engine
    from regkb.settings import Settings

    with caplog.at_level("WARNING", logger="regkb.engine"):
        engine = Engine(Settings(index_dir=hash_index, dense=["hash", "e5:lora"]))
    assert "no dense channel e5:lora" in caplog.text and "regkb ingest" in caplog.text
    assert engine.retrieve("催收", k=3)  # it still answers, from the channels it holds
