"""Queries on onnxruntime (spec ``e5:...:onnx``), and documents wherever they run in fp32: the same
vectors as the torch fp32 runtime, no torch in the process, padding masked, and a cached graph that
does not load is written again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from regkb.embedders.e5 import SHIPPED_ADAPTER, E5Embedder, _base
from regkb.embedders.e5_batching import pad
from regkb.embedders.e5_tokenizer import QUERY_PREFIX

REPO = Path(__file__).resolve().parents[2]
QUERIES = [
    "客户不接电话，我能打给他同事吗？",
    "委外机构管理办法第二十九条是什么内容？",
    "催收" * 700,  # three windows of 510 content tokens
    "a",
]


def _torch_fp32(embedder: E5Embedder, text: str) -> np.ndarray:
    vector = embedder._embed([QUERY_PREFIX + text], embedder._run_torch)[0]
    return vector / np.linalg.norm(vector)


@pytest.mark.integration
@pytest.mark.parametrize("adapter", [None, SHIPPED_ADAPTER], ids=["base", "adapter"])
def test_query_vectors_are_the_torch_fp32_vectors(adapter: Path | None, tmp_path: Path) -> None:
    embedder = E5Embedder(quantisation="fp32", cache_dir=tmp_path, adapter=adapter, queries="onnx")
    onnx_vectors = np.array([embedder.embed_query(q) for q in QUERIES])
    torch_vectors = np.array([_torch_fp32(embedder, q) for q in QUERIES])
    assert np.all((onnx_vectors * torch_vectors).sum(axis=1) >= 0.99999)
    assert np.allclose(np.linalg.norm(onnx_vectors, axis=1), 1.0, atol=1e-5)
    # one graph, keyed by the adapter it was written with
    assert len(list(tmp_path.glob("e5-small-query-*.onnx"))) == 1


@pytest.mark.integration
@pytest.mark.parametrize("adapter", [None, SHIPPED_ADAPTER], ids=["base", "adapter"])
def test_fp32_documents_run_on_onnxruntime_with_the_torch_fp32_vectors(
    adapter: Path | None, tmp_path: Path
) -> None:
    from regkb.embedders.e5_tokenizer import PASSAGE_PREFIX

    embedder = E5Embedder(threads=2, quantisation="fp32", cache_dir=tmp_path, adapter=adapter)
    assert embedder.documents_runtime == "onnx"
    texts = [*QUERIES, *(f"第{i}条 催收人员不得在晚上十点以后拨打电话。" * (i + 1) for i in range(12))]
    onnx_vectors = np.array(embedder.embed_documents(texts))
    prefixed = [PASSAGE_PREFIX + t for t in texts]
    torch_vectors = embedder._embed(prefixed, embedder._run_torch)
    torch_vectors /= np.linalg.norm(torch_vectors, axis=1, keepdims=True)
    assert np.all((onnx_vectors * torch_vectors).sum(axis=1) >= 0.99999)
    assert set(embedder._documents) == {""}  # one session: no adapted sibling in this process
    assert embedder._document_pool is not None and embedder._document_pool._max_workers == 2


@pytest.mark.integration
def test_fp32_documents_in_a_fresh_process_do_not_import_torch(tmp_path: Path) -> None:
    code = (
        "import sys; from regkb.embedders.e5 import E5Embedder; "
        f"e = E5Embedder(quantisation='fp32', cache_dir={str(tmp_path)!r}); "
        "v = e.embed_documents(['催收人员不得骚扰债务人的同事', '短']); "
        "print(len(v), len(v[0]), 'torch' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["2", "384", "False"]


@pytest.mark.integration
def test_padding_in_a_batch_changes_no_row(tmp_path: Path) -> None:
    embedder = E5Embedder(cache_dir=tmp_path, queries="onnx")
    encoder, base = embedder._query_encoder(), _base()
    rows = [w.ids for w in base.windows([QUERY_PREFIX + q for q in [*QUERIES[:2], "短"]])]
    ids, lengths = pad(rows, base.tokenizer.eos)
    assert ids.shape[0] == 4 and len(set(lengths.tolist())) > 1  # rows of unequal length, a filler row
    batched = encoder.pooled(base.word_vectors(ids), lengths)
    for r, row in enumerate(rows):
        alone = encoder.pooled(base.word_vectors(np.array([row])), np.array([len(row)]))[0]
        assert np.allclose(batched[r], alone, atol=1e-5), f"row {r} changed by its padding"


@pytest.mark.integration
def test_a_query_in_a_fresh_process_does_not_import_torch(tmp_path: Path) -> None:
    E5Embedder(cache_dir=tmp_path, queries="onnx").embed_query("预热")  # writes the graph
    code = (
        "import sys; from regkb.embedders.e5 import E5Embedder; "
        f"v = E5Embedder(cache_dir={str(tmp_path)!r}, queries='onnx').embed_query('客户不接电话'); "
        "print(len(v), 'torch' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["384", "False"]


@pytest.mark.integration
@pytest.mark.parametrize("damage", ["truncated", "foreign"])
def test_an_unusable_cached_graph_is_written_again(damage: str, tmp_path: Path) -> None:
    reference = E5Embedder(cache_dir=tmp_path / "ref", queries="onnx").embed_query(QUERIES[0])
    E5Embedder(cache_dir=tmp_path, queries="onnx").embed_query("预热")
    (graph,) = tmp_path.glob("e5-small-query-*.onnx")
    good = graph.read_bytes()
    graph.write_bytes(good[: len(good) // 3] if damage == "truncated" else b"not an onnx model")
    assert E5Embedder(cache_dir=tmp_path, queries="onnx").embed_query(QUERIES[0]) == reference
    assert graph.read_bytes() == good


@pytest.mark.integration
def test_an_unwritable_cache_dir_still_answers(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache dir should be")
    reference = E5Embedder(cache_dir=tmp_path / "ok", queries="onnx").embed_query(QUERIES[1])
    assert E5Embedder(cache_dir=blocked / "e5", queries="onnx").embed_query(QUERIES[1]) == reference


def test_specs_choose_the_query_runtime_and_keep_the_index_identity() -> None:
    from regkb.embedders import make_embedder
    from regkb.errors import ConfigError

    default, torch, lora = make_embedder("e5"), make_embedder("e5:torch"), make_embedder("e5:fp32:lora:onnx")
    assert (default.queries, torch.queries, lora.queries) == ("onnx", "torch", "onnx")  # type: ignore[attr-defined]
    assert torch.name == default.name  # documents are embedded as before: the same index
    assert lora.name.startswith("e5-small-nanoq4-torch-fp32-lora-")
    # the setting (REGKB_E5_QUERIES) chooses for a spec that names no runtime; a named one wins
    assert make_embedder("e5", e5_queries="torch").queries == "torch"  # type: ignore[attr-defined]
    assert make_embedder("e5:onnx", e5_queries="torch").queries == "onnx"  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="e5:torch"):
        make_embedder("e5:onnx:lora")


ENGINE = """
import json, sys
from regkb.engine import Engine
from regkb.settings import Settings
engine = Engine.open(Settings(index_dir=sys.argv[1], dense=["e5"], e5_queries=sys.argv[2]))
hits = engine.retrieve("客户不接电话，能打给他同事吗？")
print(json.dumps({"top": [h.passage.article for h in hits[:3]], "torch": "torch" in sys.modules}))
"""


@pytest.mark.integration
def test_an_engine_set_to_onnx_queries_answers_without_torch(tmp_path: Path) -> None:
    from ingest.pipeline import ingest_paths
    from tests.app.realindex import DEMO_RULE

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "demo.md").write_text(DEMO_RULE, encoding="utf-8")
    assert ingest_paths([corpus], index, dense=["e5"], max_tokens=480, threads=1).committed
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def run(queries: str) -> dict:
        command = [sys.executable, "-c", ENGINE, str(index), queries]
        out = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, check=True)
        return json.loads(out.stdout.splitlines()[-1])

    on_torch = run("torch")  # also caches what an engine derives with torch (situation vectors)
    on_onnx = run("onnx")
    assert on_torch["torch"] and not on_onnx["torch"]
    assert on_onnx["top"] == on_torch["top"] and on_onnx["top"][0] == "第三条"
