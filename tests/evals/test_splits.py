"""The fixed train/validation splits: stable by id, committed, and honoured by `regkb eval --split`."""

from __future__ import annotations

import argparse
import json

from evals import cli
from evals.splits import REPO, SPLITS_DIR, VALIDATION_PERCENT, ids_in, read_ids, split_of
from tests.evals.fakes import FakeSystem, good_script, write_questions


def test_a_questions_split_depends_on_its_id_alone() -> None:
    ids = [f"q-{i}" for i in range(2000)]
    val = ids_in(ids, "val")
    assert abs(len(val) / len(ids) - VALIDATION_PERCENT / 100) < 0.03
    assert set(val) | set(ids_in(ids, "train")) == set(ids) and not set(val) & set(ids_in(ids, "train"))
    assert [split_of(i) for i in ids[:50]] == [split_of(i) for i in ids[:50]]  # no state, no randomness


def test_committed_split_files_agree_with_the_hash_and_the_question_files() -> None:
    own = {p.stem: p for p in (REPO / "evals" / "questions").glob("*.jsonl")}
    assert {"internal", "out_of_scope", "heldout", "blind"} <= set(own)
    for path in sorted(SPLITS_DIR.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        assert all(split_of(i) == "train" for i in record["train"]), path
        assert all(split_of(i) == "val" for i in record["val"]), path
        if record["set"] in own:  # the project's own sets: the record lists every question
            assert sorted(record["train"] + record["val"]) == sorted(read_ids(own[record["set"]])), path


class Recording(FakeSystem):
    def __init__(self, script) -> None:
        super().__init__(script)
        self.asked: list[str] = []

    def __call__(self, question):
        self.asked.append(question.id)
        return super().__call__(question)


def _args(tmp_path, **extra) -> argparse.Namespace:
    base = dict(
        questions=write_questions(tmp_path / "q.jsonl"), index=None, out=tmp_path / "out", baselines=False
    )
    base |= dict(compare=None, limit=None, corpus=None, no_progress=True, split="all", ablate=None)
    return argparse.Namespace(**{**base, **extra})


def test_eval_split_runs_only_that_splits_questions(tmp_path, monkeypatch) -> None:
    system = Recording(good_script())
    monkeypatch.setattr(cli, "build_systems", lambda args: [system])
    args = _args(tmp_path, split="train")
    ids = read_ids(args.questions)
    assert ids_in(ids, "train") and ids_in(ids, "val"), "the fixture must have questions on both sides"
    assert cli.run(args) == 0
    assert set(system.asked) == set(ids_in(ids, "train"))


def test_ablate_curated_adds_the_engine_with_curated_evidence_off(tmp_path, monkeypatch) -> None:
    import regkb.engine

    opened = []
    monkeypatch.setattr(
        regkb.engine.Engine, "open", classmethod(lambda cls, settings: opened.append(settings))
    )
    systems = cli.build_systems(_args(tmp_path, ablate="curated", systems=["regkb"]))
    assert [s.name for s in systems] == ["regkb", "regkb-curated-off"]
    assert [s.curated for s in opened] == [True, False]
