"""training.conclusions reads only train questions and counts what it is given."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evals.dataset import load_questions
from evals.splits import split_of
from regkb.permission import LABELS
from regkb.reader import READER_FILE
from tests.conftest import SHARED
from training.conclusions import FRESH, FRESH_THIRD, TRAINING_ONLY, dump, labelled, main, report


def test_it_reads_labelled_train_questions_and_every_training_only_one() -> None:
    questions = labelled(SHARED)
    ours = [q for name, q in questions if name not in ("training-only", "fresh", "fresh-3")]
    extra = [q for name, q in questions if name == "training-only"]
    fresh = [q for name, q in questions if name == "fresh"]
    third = [q for name, q in questions if name == "fresh-3"]
    assert ours and all(split_of(q.id) == "train" and q.expected_answer for q in ours)
    assert len(extra) == len(load_questions(TRAINING_ONLY)) == 160
    assert len(fresh) == len(load_questions(FRESH)) == 384
    assert len(third) == len(load_questions(FRESH_THIRD)) == 192
    assert all(q.expected_answer for q in extra + fresh + third)
    # the fresh questions were written 48 to a label by each batch of writers
    for batch, size in ((fresh, 96), (third, 48)):
        assert {label: sum(q.expected_answer == label for q in batch) for label in LABELS} == dict.fromkeys(
            LABELS, size
        )
    assert len({q.id for _, q in questions}) == len(questions)


def test_report_counts_right_labels_per_set_and_the_confusion() -> None:
    a, b, c = load_questions(TRAINING_ONLY)[:3]
    wrong = next(label for label in ("不可以", "可以") if label != b.expected_answer)
    text = report([("x", a), ("x", b), ("y", c)], [a.expected_answer, wrong, None])
    lines = text.splitlines()
    assert lines[0].split()[:4] == ["x", "1", "/", "2"]
    assert lines[1].split()[:4] == ["y", "0", "/", "1"]
    assert lines[2].split()[:4] == ["all", "1", "/", "3"]


def test_dump_writes_one_line_per_question_with_both_labels() -> None:
    a, b = load_questions(TRAINING_ONLY)[:2]
    wrong = next(label for label in ("不可以", "可以") if label != b.expected_answer)
    rows = [json.loads(line) for line in dump([("x", a), ("y", b)], [a.expected_answer, wrong]).splitlines()]
    assert [(r["set"], r["id"], r["right"]) for r in rows] == [("x", a.id, True), ("y", b.id, False)]
    assert rows[1]["expected"] == b.expected_answer and rows[1]["decided"] == wrong
    assert rows[0]["question"] == a.question


def test_dump_into_a_missing_directory_is_refused_before_any_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing" / "labels.jsonl"
    # no index exists at this path either: the dump's directory is checked before the engine opens
    with pytest.raises(SystemExit) as stopped:
        main(["--index", str(tmp_path / "no-index"), "--dump", str(target)])
    assert stopped.value.code == 2
    assert f"the directory {target.parent} does not exist" in capsys.readouterr().err


class _Memory:
    def __init__(self, ids: set[str], left_out: str | None = None) -> None:
        self.ids = ids
        self.left_out = left_out

    def without(self, qid: str) -> _Memory:
        return _Memory(self.ids - {qid}, qid)


class _Engine:
    """Records which memory each question was asked with."""

    def __init__(self, memory: _Memory | None) -> None:
        self.memory = memory
        self.asked: list[tuple[str, str | None]] = []

    def use_memory(self, memory: _Memory | None) -> None:
        self.memory = memory

    def ask(self, question: str) -> str:
        assert self.memory is not None
        self.asked.append((question, self.memory.left_out))
        return question


def test_each_question_is_asked_without_its_own_memory_entry_and_the_memory_comes_back() -> None:
    from training.conclusions import answers

    a, b, c = load_questions(TRAINING_ONLY)[:3]
    memory = _Memory({a.id, c.id})
    engine = _Engine(memory)
    got = list(answers(engine, [("x", a), ("x", b), ("x", c)]))  # type: ignore[arg-type]
    assert got == [a.question, b.question, c.question]
    assert engine.asked == [(a.question, a.id), (b.question, None), (c.question, c.id)]
    assert engine.memory is memory
    stopped = answers(engine, [("x", a), ("x", b)])  # type: ignore[arg-type]
    next(stopped)
    stopped.close()  # a caller that stops early (an error in its loop) gets the memory back too
    assert engine.memory is memory


def test_the_reader_is_fitted_on_every_labelled_question_but_the_third_fresh_batch() -> None:
    from training.reader import reader_questions

    fitted = reader_questions(SHARED)
    assert {name for name, _ in fitted} == {name for name, _ in labelled(SHARED)} - {"fresh-3"}
    assert len(fitted) == 668  # the questions the shipped reader was judged and fitted on
    with np.load(READER_FILE) as data:
        assert json.loads(str(data["meta"]))["questions"] == len(fitted)


@pytest.mark.parametrize(("flags", "reader"), [([], False), (["--reader"], True)])
def test_reader_flag_asks_with_the_conclusion_reader_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], flags: list[str], reader: bool
) -> None:
    import training.conclusions as conclusions

    opened: list[object] = []
    one = load_questions(FRESH_THIRD)[:1]
    monkeypatch.setattr(conclusions, "labelled", lambda shared: [("fresh-3", one[0])])

    def engine(settings: object) -> _Engine:
        opened.append(settings)
        return _Engine(_Memory(set()))

    monkeypatch.setattr(conclusions, "Engine", engine)
    monkeypatch.setattr(conclusions, "decided", lambda eng, qs: [one[0].expected_answer])
    assert main(["--index", "unused", *flags]) == 0
    assert [s.reader for s in opened] == [reader]  # type: ignore[attr-defined]
    assert capsys.readouterr().out.startswith("fresh-3")
