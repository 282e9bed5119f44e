"""The e5 adapter's training pairs: no question the ranker trains on, negatives at the positive's level."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from evals.splits import split_of
from regkb.types import Passage
from training.dense_data import Articles, Pair, stard_pairs, with_negatives


def _passage(pid: str, level: str, text: str, article: str = "第一条", doc: str = "d") -> Passage:
    return Passage(pid, f"{doc}-{pid}", "laws", f"标题{pid}", f"短{pid}", level, article, text)


def _ids(split: str, count: int) -> list[str]:
    """The first ``count`` ids 'q<n>' that fall on the given split."""
    found = [f"q{n}" for n in range(200) if split_of(f"q{n}") == split]
    return found[:count]


def test_stard_pairs_skip_validation_and_held_questions(tmp_path: Path) -> None:
    train, val = _ids("train", 3), _ids("val", 1)
    rows = [
        {"id": qid, "question": f"问{qid}", "articles": [{"name": "某法第一条", "text": f"条文{qid}"}]}
        for qid in [*train, *val]
    ]
    path = tmp_path / "pairs-train.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    pairs = stard_pairs(path, Articles([]), held=frozenset({train[0]}))
    assert sorted(p.query for p in pairs) == sorted(f"问{qid}" for qid in train[1:])
    assert all(p.positive_id.startswith("ext:") for p in pairs)  # not indexed: the given text


def _reader(passages: list[Passage], ranking: list[str]) -> SimpleNamespace:
    lexical = SimpleNamespace(search=lambda query, depth: [(pid, 10.0 - i) for i, pid in enumerate(ranking)])
    return SimpleNamespace(by_id={p.id: p for p in passages}, lexical=lexical)


def test_negative_is_the_best_lexical_passage_at_the_positives_level() -> None:
    law, rule, other_law = (
        _passage("law", "法律", "催收不得骚扰"),
        _passage("rule", "内部制度", "催收人员不得骚扰"),
        _passage("law2", "法律", "出借人应当说明"),
    )
    reader = _reader([law, rule, other_law], ["rule", "law", "law2"])
    pair = Pair("dev", "能骚扰吗", law.embed_text, law.id, frozenset({law.id}))
    (out,) = with_negatives([pair], reader)  # type: ignore[arg-type]
    assert out.negative_id == "law2"  # the internal rule ranks higher but sits at another level


def test_a_text_outside_the_index_never_gets_an_internal_rule_as_negative() -> None:
    rule, law = _passage("rule", "内部制度", "催收规定"), _passage("law", "行政法规", "征信规定")
    reader = _reader([rule, law], ["rule", "law"])
    pair = Pair("stard", "问", "《某法》第一条\n条文", "ext:abc", frozenset({"ext:abc"}))
    (out,) = with_negatives([pair], reader)  # type: ignore[arg-type]
    assert out.negative_id == "law"


def test_no_candidate_at_the_level_leaves_in_batch_negatives_only() -> None:
    law, rule = _passage("law", "法律", "条文"), _passage("rule", "内部制度", "规定")
    reader = _reader([law, rule], ["law", "rule"])
    pair = Pair("dev", "问", law.embed_text, law.id, frozenset({law.id}))
    (out,) = with_negatives([pair], reader)  # type: ignore[arg-type]
    assert out.negative_id == "" and out.negative == ""


def test_the_committed_adapter_was_trained_on_the_files_its_data_reads_today() -> None:
    """The adapter's recorded data hashes equal those of the files build_pairs reads now: a question
    set added to evals/questions (the answers set permission.jsonl) changes no adapter unless it is
    named in DENSE_SETS, so `make train` still writes the committed adapter."""
    from evals.paths import SHARED
    from training.dense_data import DENSE_SETS, data_hashes

    repo = Path(__file__).resolve().parents[2]
    questions = repo / "evals" / "questions"
    recorded = json.loads((repo / "regkb" / "data" / "e5-adapter.pt.json").read_text("utf-8"))["data_sha256"]
    assert data_hashes(SHARED, questions) == recorded
    assert "permission.jsonl" not in recorded
    assert {f"{name}.jsonl" for name in DENSE_SETS} <= set(recorded)
    assert (questions / "permission.jsonl").is_file()
