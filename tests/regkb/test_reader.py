"""The learned conclusion reader: what it reads, that its onnxruntime graph is the trained torch model,
when it may overrule the rules' label, and that the label it gives rests on supports of its force."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from regkb.conclusion import conclude
from regkb.embedders.e5 import _base
from regkb.permission import CONDITIONAL, DEPENDS, LABELS, NO, YES, Support
from regkb.reader import (
    PAIR_TOKENS,
    QUERY_TOKENS,
    READER_FILE,
    ConclusionReader,
    merged_arrays,
    pair_ids,
    passage_text,
)
from tests.regkb.supports import supports_of

CONSENT = "未经客户同意，不得向其同事透露欠款信息。"
ALLOWED = "催收人员可以在八时至二十一时之间拨打客户本人电话。"


def _write(
    path: Path, factors: dict[str, np.ndarray], weight: np.ndarray, bias: np.ndarray, **extra: object
) -> Path:
    meta = {"rank": 2, "alpha": 4.0, "labels": list(LABELS), **extra}
    with path.open("wb") as fh:
        np.savez(fh, meta=np.array(json.dumps(meta)), **factors, **{"head.weight": weight, "head.bias": bias})
    return path


def _random_factors(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    factors = {}
    for layer in (10, 11):
        for name, (out, inp) in {
            "qkv": (1152, 384),
            "ao": (384, 384),
            "fi": (1536, 384),
            "fo": (384, 1536),
        }.items():
            factors[f"layers.{layer}.{name}.A"] = (rng.standard_normal((2, inp)) * 0.3).astype(np.float16)
            factors[f"layers.{layer}.{name}.B"] = (rng.standard_normal((out, 2)) * 0.3).astype(np.float16)
    return factors


class _Says:
    """A reader that gives one label whatever it reads, and remembers what it was asked."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.asked: list[tuple[str, str]] = []

    def decide(self, question: str, label: str, supports: list[Support]) -> str:
        self.asked.append((question, label))
        return self.label


def test_it_reads_the_rules_label_then_distinct_clauses_with_their_chapeau() -> None:
    supports = supports_of("催收人员不得有下列行为：\n（一）辱骂客户；\n（二）冒充公检法人员。", ALLOWED)
    text = passage_text(NO, [*supports, supports[0]])
    assert text.startswith("不可以。《示例法》第1条：")
    assert "催收人员不得有下列行为：（一）辱骂客户；" in text  # the item with its chapeau
    assert text.count("辱骂客户") == 1  # a repeated support is read once
    assert passage_text(None, []) == "无结论。"
    many = supports_of(*(f"第{i}项行为应当记录。" for i in range(6)))
    assert passage_text(YES, many).count("《示例法》") == 4


def test_the_pair_is_question_then_passage_cut_to_its_budget() -> None:
    tok = _base().tokenizer
    ids = pair_ids(tok, "客户不接电话，我能打给他同事吗？", "不可以。" + CONSENT)
    assert ids[0] == tok.bos and ids[-1] == tok.eos
    cut = ids.index(tok.eos)
    assert ids[cut + 1] == tok.eos  # </s></s> between question and passage
    assert ids[1:cut] == tok.content_ids(["query: 客户不接电话，我能打给他同事吗？"])[0]
    long = pair_ids(tok, "催收" * 400, "可以。" + "记录" * 600)
    assert len(long) == PAIR_TOKENS
    assert long.index(tok.eos) == QUERY_TOKENS + 1
    short = pair_ids(tok, "催收" * 400, "可以。" + "记录" * 600, pair_tokens=128, query_tokens=48)
    assert len(short) == 128 and short.index(tok.eos) == 49


def test_the_reader_file_says_how_long_its_pairs_are(tmp_path: Path) -> None:
    weight = np.zeros((4, 384), np.float32)
    bias = np.zeros(4, np.float32)
    old = ConclusionReader(_write(tmp_path / "old.npz", {}, weight, bias), cache_dir=tmp_path)
    assert (old.pair_tokens, old.query_tokens) == (PAIR_TOKENS, QUERY_TOKENS)  # files before the field
    new = _write(tmp_path / "new.npz", {}, weight, bias, pair_tokens=128, query_tokens=48)
    read = ConclusionReader(new, cache_dir=tmp_path)
    assert (read.pair_tokens, read.query_tokens) == (128, 48)


@pytest.mark.integration
def test_the_reader_cuts_its_pairs_to_the_files_length(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    weight = rng.standard_normal((4, 384)).astype(np.float32)
    bias = np.zeros(4, np.float32)
    full = ConclusionReader(_write(tmp_path / "full.npz", {}, weight, bias), cache_dir=tmp_path)
    cut = _write(tmp_path / "cut.npz", {}, weight, bias, pair_tokens=40, query_tokens=16)
    short = ConclusionReader(cut, cache_dir=tmp_path)
    question = "客户不接电话，我能打给他同事吗？"
    brief = supports_of("不得骚扰。")
    assert np.allclose(
        full.probabilities(question, NO, brief), short.probabilities(question, NO, brief), atol=1e-5
    )
    long = supports_of(
        CONSENT, ALLOWED, "催收人员应当如实记录每一次通话的时间、对象和内容，并保存录音不少于两年。"
    )
    assert not np.allclose(
        full.probabilities(question, NO, long), short.probabilities(question, NO, long), atol=1e-3
    )


def test_a_missing_or_foreign_reader_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    from regkb.errors import ConfigError

    with pytest.raises(ConfigError, match=r"missing\.npz missing: run `python -m training\.reader"):
        ConclusionReader(tmp_path / "missing.npz", cache_dir=tmp_path)
    foreign = tmp_path / "foreign.npz"
    weight = np.zeros((3, 384), np.float32)
    with foreign.open("wb") as fh:
        meta = {"rank": 2, "alpha": 4.0, "labels": ["是", "否", "不知道"]}
        np.savez(fh, meta=np.array(json.dumps(meta)), **{"head.weight": weight, "head.bias": np.zeros(3)})
    with pytest.raises(ConfigError, match=r"foreign\.npz: labels"):
        ConclusionReader(foreign, cache_dir=tmp_path)
    garbled = tmp_path / "garbled.npz"
    garbled.write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match=r"garbled\.npz unreadable .*write it again"):
        ConclusionReader(garbled, cache_dir=tmp_path)
    headless = tmp_path / "headless.npz"
    with headless.open("wb") as fh:
        np.savez(fh, meta=np.array(json.dumps({"labels": list(LABELS)})))
    with pytest.raises(ConfigError, match=r"headless\.npz unreadable"):
        ConclusionReader(headless, cache_dir=tmp_path)


def test_a_label_is_overruled_only_by_another_at_the_override_or_more() -> None:
    from regkb.reader import OVERRIDE, overrule

    sure = np.array([0.05, 0.05, OVERRIDE, 0.20])
    assert overrule(NO, sure) == CONDITIONAL
    assert overrule(NO, np.array([0.05, 0.05, OVERRIDE - 0.01, 0.21])) == NO
    assert overrule(CONDITIONAL, sure) == CONDITIONAL  # the reader agrees
    assert overrule(YES, np.array([0.9, 0.1, 0.0, 0.0])) == NO


def test_merging_adds_each_low_rank_update_and_leaves_the_base_alone() -> None:
    base = {
        "layers.0.qkv.weight": np.zeros((3, 2), np.float32),
        "layers.0.ao.weight": np.ones((2, 2), np.float32),
    }
    factors = {"layers.0.qkv.A": np.array([[1.0, 2.0]]), "layers.0.qkv.B": np.array([[1.0], [0.0], [-1.0]])}
    merged = merged_arrays(base, factors, scale=2.0)
    assert np.array_equal(merged["layers.0.qkv.weight"], [[2, 4], [0, 0], [-2, -4]])
    assert merged["layers.0.ao.weight"] is base["layers.0.ao.weight"]
    assert not base["layers.0.qkv.weight"].any()


@pytest.mark.integration
def test_the_graph_computes_what_the_trained_torch_model_computes(tmp_path: Path) -> None:
    """The factors trained in torch (LoraLinear on top of the frozen encoder) and the head give the
    probabilities the runtime's onnxruntime graph, merged in numpy, gives."""
    import torch

    from regkb.embedders import e5_lora
    from training.dense_model import Frozen

    factors = _random_factors(3)
    rng = np.random.default_rng(4)
    weight = rng.standard_normal((4, 384)).astype(np.float32)
    bias = rng.standard_normal(4).astype(np.float32)
    reader = ConclusionReader(_write(tmp_path / "r.npz", factors, weight, bias), cache_dir=tmp_path)
    supports = supports_of(CONSENT)
    question = "客户不接电话，我能打给他同事吗？"
    got = reader.probabilities(question, NO, supports)

    frozen = Frozen()
    enc = frozen.encoder
    e5_lora.attach(enc, 2, 4.0, range(10, 12), seed=0)
    with torch.no_grad():
        for name, module in enc.named_modules():
            if isinstance(module, e5_lora.LoraLinear):
                module.A.copy_(torch.from_numpy(factors[f"{name}.A"].astype(np.float32)))
                module.B.copy_(torch.from_numpy(factors[f"{name}.B"].astype(np.float32)))
        ids = [pair_ids(frozen.tokenizer, question, passage_text(NO, supports))]
        words, lengths = frozen.word_vectors(ids)
        logits = enc(words, lengths) @ torch.from_numpy(weight).T + torch.from_numpy(bias)
        want = torch.softmax(logits, -1)[0].numpy()
    assert np.allclose(got, want, atol=2e-3)
    assert abs(got.sum() - 1) < 1e-6
    again = ConclusionReader(_write(tmp_path / "z.npz", _random_factors(3), weight, bias), cache_dir=tmp_path)
    assert np.allclose(again.probabilities(question, NO, supports), got)  # the same arrays, the same graph
    plain = ConclusionReader(_write(tmp_path / "p.npz", {}, weight, bias), cache_dir=tmp_path)
    assert not np.allclose(plain.probabilities(question, NO, supports), got, atol=0.02)  # the factors count


@pytest.mark.integration
def test_it_overrules_the_rules_only_when_confident(tmp_path: Path) -> None:
    weight = np.zeros((4, 384), np.float32)
    sure = _write(tmp_path / "sure.npz", {}, weight, np.array([0, 0, 4, 0], np.float32))  # 0.90 有条件可以
    unsure = _write(tmp_path / "unsure.npz", {}, weight, np.array([0, 0, 1, 0], np.float32))  # 0.48
    supports = supports_of(CONSENT)
    question = "客户不接电话，我能打给他同事吗？"
    assert ConclusionReader(sure, cache_dir=tmp_path).decide(question, NO, supports) == CONDITIONAL
    assert ConclusionReader(unsure, cache_dir=tmp_path).decide(question, NO, supports) == NO


def test_a_label_the_reader_changes_rests_on_supports_of_its_force() -> None:
    supports = supports_of(CONSENT, ALLOWED)
    question = "晚上八点半我能打客户本人电话吗？"
    rules = conclude(question, supports)
    says_yes = _Says(YES)
    read = conclude(question, supports, reader=says_yes)
    assert says_yes.asked == [(question, rules.label)]
    assert read.label == YES and "八时至二十一时" in read.text and "不得" not in read.text
    said_no = conclude(question, supports, reader=_Says(NO))
    assert said_no.label == NO and "不得向其同事透露" in said_no.text
    kept = conclude(question, supports, reader=_Says(str(rules.label)))
    assert kept == rules


def test_a_clause_review_and_a_question_that_asks_no_permission_are_the_rules_alone() -> None:
    supports = supports_of(CONSENT)
    reader = _Says(DEPENDS)
    review = conclude(
        "审查条款：催收员可向客户同事说明欠款情况。", supports, verdict="违规风险", reader=reader
    )
    other = conclude("催收人员的工作时间是怎么规定的？", supports, reader=reader)
    assert reader.asked == []
    assert review.label == NO and other.label is None


def test_the_shipped_reader_names_its_labels_and_data() -> None:
    with np.load(READER_FILE) as data:
        meta = json.loads(str(data["meta"]))
        names = set(data.files)
    assert meta["labels"] == list(LABELS)
    assert meta["questions"] == sum(meta["per_set"].values()) >= 668
    assert {"head.weight", "head.bias"} <= names
    assert len([n for n in names if n.endswith(".A")]) == 4 * meta["lora_layers"]
    assert READER_FILE.stat().st_size < 2_000_000


def test_the_key_follows_the_arrays_not_the_zip_bytes(tmp_path: Path) -> None:
    from regkb.reader import file_key

    weight = np.zeros((4, 384), np.float32)
    a = _write(tmp_path / "a.npz", _random_factors(1), weight, np.zeros(4, np.float32))
    b = _write(tmp_path / "b.npz", _random_factors(1), weight, np.zeros(4, np.float32))
    c = _write(tmp_path / "c.npz", _random_factors(2), weight, np.zeros(4, np.float32))
    assert file_key(a) == file_key(b) != file_key(c)


@pytest.mark.integration
def test_the_engine_asks_the_reader_only_when_the_operator_turns_it_on(hash_index: Path) -> None:
    from regkb.engine import Engine
    from regkb.settings import Settings

    assert Engine(Settings(index_dir=hash_index, dense=["hash"])).conclusion_reader is None  # the default
    engine = Engine(Settings(index_dir=hash_index, dense=["hash"], reader=True))
    reader = engine.conclusion_reader
    assert isinstance(reader, ConclusionReader)
    asked: list[tuple[str, str, float]] = []
    decide = reader.decide

    def recording(question: str, label: str, supports: list[Support]) -> str:
        read = decide(question, label, supports)
        asked.append((question, label, float(reader.probabilities(question, label, supports).max())))
        return read

    reader.decide = recording  # type: ignore[method-assign]
    answer = engine.ask("客户不接电话，我能打给他同事吗？")
    assert [q for q, _, _ in asked] == ["客户不接电话，我能打给他同事吗？"]
    assert answer.conclusion is not None and answer.conclusion.label in LABELS
    if asked[0][2] < 0.70:  # not confident: the rules' label stands
        assert answer.conclusion.label == asked[0][1]
    engine.ask("催收人员的工作时间是怎么规定的？")  # no permission asked: the reader is not
    assert len(asked) == 1
