from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from evals.dataset import DatasetError, load_questions

SHARED = Path(os.environ.get("REGKB_SHARED", Path(__file__).resolve().parents[2] / ".." / "shared"))

GOOD = {
    "id": "q-1",
    "question": "能否向同事透露欠款？",
    "type": "colloquial",
    "answerable": True,
    "gold": [{"doc": "laws/civil-code.md", "article": "第一千零三十二条", "title": "中华人民共和国民法典"}],
    "acceptable": [],
    "key_points": ["自然人享有隐私权"],
}


def _write(tmp_path: Path, rows: list[object]) -> Path:
    path = tmp_path / "q.jsonl"
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_loads_valid_file_with_defaults(tmp_path):
    questions = load_questions(_write(tmp_path, [GOOD, "", {**GOOD, "id": "q-2", "answerable": False}]))
    assert [q.id for q in questions] == ["q-1", "q-2"]
    assert questions[0].gold[0].article == "第一千零三十二条"
    assert questions[0].verdict is None and questions[0].note == ""


def test_missing_field_names_file_line_and_field(tmp_path):
    bad = {k: v for k, v in GOOD.items() if k != "answerable"}
    path = _write(tmp_path, [GOOD, {**bad, "id": "q-2"}])
    with pytest.raises(DatasetError) as info:
        load_questions(path)
    assert info.value.line == 2 and info.value.field == "answerable"
    assert str(path) in str(info.value) and ":2:" in str(info.value)


def test_nested_field_and_bad_verdict(tmp_path):
    bad_ref = {**GOOD, "gold": [{"doc": "laws/x.md"}]}
    with pytest.raises(DatasetError) as info:
        load_questions(_write(tmp_path, [bad_ref]))
    assert info.value.field == "gold.0.article"
    with pytest.raises(DatasetError) as info:
        load_questions(_write(tmp_path, [{**GOOD, "verdict": "maybe"}]))
    assert info.value.field == "verdict"


def test_expected_answer_and_depends_verdict(tmp_path):
    labelled = {**GOOD, "expected_answer": "有条件可以", "verdict": "depends"}
    question = load_questions(_write(tmp_path, [labelled]))[0]
    assert question.expected_answer == "有条件可以" and question.verdict == "depends"
    assert load_questions(_write(tmp_path, [GOOD]))[0].expected_answer is None
    with pytest.raises(DatasetError) as info:
        load_questions(_write(tmp_path, [{**GOOD, "expected_answer": "也许"}]))
    assert info.value.field == "expected_answer"


def test_bad_json_and_duplicate_ids(tmp_path):
    with pytest.raises(DatasetError) as info:
        load_questions(_write(tmp_path, [GOOD, "{not json"]))
    assert info.value.line == 2 and info.value.field == "(json)"
    with pytest.raises(DatasetError) as info:
        load_questions(_write(tmp_path, [GOOD, GOOD]))
    assert info.value.field == "id" and "line 1" in info.value.reason


def test_blank_question_rejected(tmp_path):
    with pytest.raises(DatasetError) as info:
        load_questions(_write(tmp_path, [{**GOOD, "question": "   "}]))
    assert info.value.field == "question"


def test_limit(tmp_path):
    rows = [{**GOOD, "id": f"q-{i}"} for i in range(5)]
    assert len(load_questions(_write(tmp_path, rows), limit=2)) == 2


@pytest.mark.skipif(not (SHARED / "evals" / "dev.jsonl").exists(), reason="shared/ not present")
def test_dev_set_loads():
    questions = load_questions(SHARED / "evals" / "dev.jsonl")
    assert len(questions) == 60
    assert sum(not q.answerable for q in questions) == 6
    assert {q.verdict for q in questions if q.type == "clause_check"} == {"lawful", "unlawful"}


def test_load_split_keeps_only_that_split_and_names_the_file_when_empty(tmp_path):
    from evals.dataset import load_split
    from evals.splits import split_of
    from regkb.errors import ConfigError

    ids = [f"q-{i}" for i in range(40)]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps({**GOOD, "id": i}) for i in ids) + "\n", encoding="utf-8")
    val = [q.id for q in load_split(path, "val")]
    assert val and val == [i for i in ids if split_of(i) == "val"]
    assert len(load_split(path, "all")) == 40
    train_only = [i for i in ids if split_of(i) == "train"][:3]
    path.write_text("\n".join(json.dumps({**GOOD, "id": i}) for i in train_only) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"q\.jsonl: no questions in the val split"):
        load_split(path, "val")
