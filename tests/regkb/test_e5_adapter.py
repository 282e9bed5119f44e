"""The e5 LoRA adapter: merge equals the trained layers, identity in names, re-embedding on change."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from regkb.embedders import e5_lora, make_embedder
from regkb.embedders.e5 import SHIPPED_ADAPTER, E5Embedder, adapter_key
from regkb.embedders.e5_torch import E5Encoder
from regkb.embedders.e5_weights import E5Config
from regkb.errors import ConfigError, IndexMismatchError
from regkb.index import IndexReader
from tests.ingest.factory import fast_stages, ingest, small_corpus

BASE_NAME = "e5-small-nanoq4-torch-bf16"
TINY = E5Config(hidden=8, layers=2, heads=2, ffn=16, vocab_rows=10, max_positions=12, eps=1e-5)


def _tiny_encoder(seed: int = 0) -> E5Encoder:
    torch.manual_seed(seed)
    enc = E5Encoder(TINY)
    with torch.no_grad():
        for p in enc.parameters():
            p.normal_(0, 0.3)
    return enc.eval()


def _random_adapter(enc: E5Encoder, seed: int, layers: range) -> e5_lora.Adapter:
    e5_lora.attach(enc, rank=2, alpha=4.0, layers=layers, seed=seed)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in enc.modules():
            if isinstance(module, e5_lora.LoraLinear):  # fp16-exact values: extract() loses nothing
                module.B.copy_(torch.randn(module.B.shape, generator=gen).half().float() * 0.5)
                module.A.copy_(module.A.half().float())
    return e5_lora.extract(enc, 2, 4.0, {"seed": seed})


def test_fresh_lora_changes_nothing_and_trains_only_its_factors() -> None:
    enc, words, lengths = _tiny_encoder(), torch.randn(3, 5, 8), torch.tensor([5, 3, 1])
    before = enc(words, lengths)
    params = e5_lora.attach(enc, rank=2, alpha=4.0, layers=range(1, 2), seed=1)
    assert len(params) == 8  # A and B for qkv, ao, fi, fo of one layer
    assert torch.allclose(enc(words, lengths), before)  # B starts at zero
    trainable = {id(p) for p in enc.parameters() if p.requires_grad}
    assert trainable == {id(p) for p in params}


def test_merged_adapter_reproduces_the_wrapped_encoder(tmp_path: Path) -> None:
    wrapped, words, lengths = _tiny_encoder(), torch.randn(2, 6, 8), torch.tensor([6, 4])
    adapter = _random_adapter(wrapped, seed=3, layers=range(2))
    base_out = _tiny_encoder()(words, lengths)
    e5_lora.save_adapter(adapter, tmp_path / "a.pt")
    merged = _tiny_encoder()
    e5_lora.merge(merged, e5_lora.load_adapter(tmp_path / "a.pt"))
    with torch.no_grad():
        expected = wrapped(words, lengths)
        assert torch.allclose(merged(words, lengths), expected, atol=1e-4)
        assert not torch.allclose(base_out, expected, atol=1e-2)  # the adapter really does something
    assert sorted(adapter.modules())[:2] == ["layers.0.ao", "layers.0.fi"]


def test_bad_adapter_files_name_the_file_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing\.pt not found.*training\.dense"):
        e5_lora.load_adapter(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a torch file")
    with pytest.raises(ConfigError, match=r"junk\.pt is unreadable"):
        e5_lora.load_adapter(tmp_path / "junk.pt")
    with pytest.raises(ConfigError, match="embedder spec 'e5'"):
        E5Embedder(adapter=tmp_path / "missing.pt")
    enc = _tiny_encoder()
    foreign = e5_lora.Adapter(2, 4.0, {"eln.A": torch.zeros(2, 8), "eln.B": torch.zeros(8, 2)})
    with pytest.raises(ConfigError, match="'eln' is not a Linear"):
        e5_lora.merge(enc, foreign)


def test_specs_name_the_shipped_adapter_and_the_base_model() -> None:
    key = adapter_key(SHIPPED_ADAPTER)
    assert make_embedder("e5:lora").name == f"{BASE_NAME}-lora-{key}"
    assert make_embedder("e5:fp32:lora").name == f"e5-small-nanoq4-torch-fp32-lora-{key}"
    assert (
        make_embedder("e5").name
        == make_embedder("e5:base").name
        == make_embedder("e5:bf16:base").name
        == BASE_NAME
    )
    assert make_embedder("e5:int8").name == "e5-small-nanoq4-torch-int8"
    for bad in ("e5:lora:fp32", "e5:fp32:bf16", "e5:adapter"):
        with pytest.raises(ConfigError, match="unknown embedder spec"):
            make_embedder(bad)


def test_shipped_adapter_is_small_and_records_how_it_was_made() -> None:
    assert SHIPPED_ADAPTER.stat().st_size <= 20_000_000
    adapter = e5_lora.load_adapter(SHIPPED_ADAPTER)
    meta = adapter.meta
    assert {"base_model", "config", "data_sha256", "seed", "held_out", "train"} <= set(meta)
    assert meta["config"]["rank"] == adapter.rank and meta["splits"].startswith("train only")
    assert adapter.modules() and all(m.rsplit(".", 1)[1] in e5_lora.TARGETS for m in adapter.modules())
    # nothing of one run (date, duration, command line): a rerun of make train writes the same bytes
    assert not {"created", "seconds", "command"} & (set(meta) | set(meta["train"]))


def test_saving_an_adapter_again_writes_the_same_bytes(tmp_path: Path) -> None:
    adapter = e5_lora.load_adapter(SHIPPED_ADAPTER)
    (tmp_path / "a").mkdir()
    e5_lora.save_adapter(adapter, tmp_path / "a" / SHIPPED_ADAPTER.name)
    assert (tmp_path / "a" / SHIPPED_ADAPTER.name).read_bytes() == SHIPPED_ADAPTER.read_bytes()


def test_engine_side_check_refuses_an_index_embedded_with_another_adapter(tmp_path: Path) -> None:
    small_corpus(tmp_path / "corpus")
    ingest([tmp_path / "corpus"], tmp_path / "idx")
    reader = IndexReader.open(tmp_path / "idx")
    reader.check_embedder("hash", make_embedder("hash").name)  # the one that built it: fine
    with pytest.raises(IndexMismatchError, match="run `regkb ingest`"):
        reader.check_embedder("hash", "hash-256-lora-0123456789ab")


def _cos(a: list[float], b: list[float]) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.mark.integration
def test_adapter_changes_vectors_and_base_spec_keeps_the_old_ones() -> None:
    texts = ["催收人员不得在晚上十点后拨打债务人电话。", "个人信息处理者应当取得个人的同意。"]
    old = E5Embedder(threads=1).embed_documents(texts)  # the runtime as it was before adapters
    base = make_embedder("e5:base", threads=1).embed_documents(texts)
    adapted = make_embedder("e5:lora", threads=1).embed_documents(texts)
    assert np.array_equal(np.asarray(base), np.asarray(old))
    for a, b in zip(adapted, base, strict=True):
        assert 0.0 < _cos(a, b) < 0.9995  # moved (the shipped adapter moves passages to cos ~0.4)
    query = make_embedder("e5:lora", threads=1).embed_query("能打给欠款人的同事吗")
    assert _cos(query, make_embedder("e5:base", threads=1).embed_query("能打给欠款人的同事吗")) < 0.9995


@pytest.mark.integration
def test_changed_adapter_forces_reembedding_in_a_real_ingest(tmp_path: Path) -> None:
    small_corpus(tmp_path / "corpus")
    template = e5_lora.load_adapter(SHIPPED_ADAPTER)
    adapter_file = tmp_path / "adapter.pt"

    def write_adapter(seed: int) -> None:
        gen = torch.Generator().manual_seed(seed)
        tensors = {k: torch.randn(v.shape, generator=gen).half() * 0.05 for k, v in template.tensors.items()}
        e5_lora.save_adapter(dataclasses.replace(template, tensors=tensors), adapter_file)

    stages = dataclasses.replace(
        fast_stages(), make_embedder=lambda spec, threads: E5Embedder(1, "fp32", adapter=adapter_file)
    )
    run = lambda: ingest([tmp_path / "corpus"], tmp_path / "idx", dense=["e5:lora"], stages=stages)  # noqa: E731
    write_adapter(1)
    first, again = run(), run()
    assert first.embedded == {"e5:lora": 12} and again.embedded == {"e5:lora": 0}
    before = IndexReader.open(tmp_path / "idx").info["channels"]["e5:lora"]
    write_adapter(2)
    changed = run()
    after = IndexReader.open(tmp_path / "idx").info["channels"]["e5:lora"]
    assert changed.embedded == {"e5:lora": 12}  # a new adapter re-embeds everything, the cache included
    assert after["embedder"].endswith(adapter_key(adapter_file)) and after["embedder"] != before["embedder"]
    assert after["collection"] != before["collection"]


def test_saving_the_same_adapter_again_keeps_its_key_and_any_change_moves_it(tmp_path: Path) -> None:
    """torch.save writes a random serialization id each time: the key covers everything else."""
    enc = _tiny_encoder()
    adapter = dataclasses.replace(
        _random_adapter(enc, seed=5, layers=range(1, 2)), meta={"seed": 3, "rank": 2}
    )
    first, second = tmp_path / "a.pt", tmp_path / "b.pt"
    e5_lora.save_adapter(adapter, first)
    # the same content built another way (other string objects: the pickle memo differs without care)
    built = {"".join(["se", "ed"]): 3, "".join(["ra", "nk"]): 2}  # equal keys, not the interned ones
    e5_lora.save_adapter(dataclasses.replace(adapter, meta=built), second)
    assert first.read_bytes() != second.read_bytes()  # the serialization ids differ ...
    assert adapter_key(first) == adapter_key(second)  # ... the key does not
    before = first.read_bytes()
    e5_lora.save_adapter(dataclasses.replace(adapter, meta=built), first)
    assert first.read_bytes() == before  # saving the same adapter over its file leaves the file be
    changed = dict(adapter.tensors)
    name = sorted(changed)[0]
    changed[name] = changed[name].clone()
    changed[name].view(-1)[0] += 1
    e5_lora.save_adapter(dataclasses.replace(adapter, tensors=changed), tmp_path / "c.pt")
    e5_lora.save_adapter(dataclasses.replace(adapter, meta={"seed": 4, "rank": 2}), tmp_path / "d.pt")
    keys = {adapter_key(tmp_path / f"{n}.pt") for n in "acd"}
    assert len(keys) == 3
