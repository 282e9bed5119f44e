"""Runner, scoring, report and CLI against a scripted system (no engine, no models)."""

from __future__ import annotations

import argparse
import json

import pytest

from evals import cli, compare
from evals.dataset import load_questions
from evals.runner import SystemOutput, Unavailable, run_system
from evals.scoring import summarise
from regkb.errors import ConfigError
from tests.evals.fakes import FakeSystem, good_script, write_questions


@pytest.fixture
def questions(tmp_path):
    return load_questions(write_questions(tmp_path / "q.jsonl"))


def test_scores_and_aggregates_by_hand(questions):
    outcomes = run_system(FakeSystem(good_script()), questions, progress=False)
    scores, summary = summarise(outcomes, retrieval_only=False)
    o = summary["overall"]
    # retrieval over the 3 answerable questions: q1 rank 2, q2 miss, q4 rank 1 (title match)
    assert o["n_recall@5"] == 3
    assert o["recall@1"] == pytest.approx(1 / 3)
    assert o["recall@5"] == pytest.approx(2 / 3)
    assert o["mrr@10"] == pytest.approx((0.5 + 0 + 1) / 3)
    # q1: cites gold; q4: cites gold with an altered quote -> 1 of 2 citations valid (micro)
    assert o["citation_validity"] == pytest.approx(0.5)
    assert o["citations"] == 2
    assert o["refusal_accuracy"] == 1.0 and o["n_refusal_accuracy"] == 1
    assert o["false_refusal_rate"] == 0.0 and o["n_false_refusal_rate"] == 3
    assert o["verdict_accuracy"] == 1.0 and o["n_verdict_accuracy"] == 1
    # key points: q1 covered only through its quote (the answer shares 3 of 10 bigrams), q2 by its answer
    assert scores[0]["key_point_coverage"] == 1.0 and scores[1]["key_point_coverage"] == 1.0
    assert o["latency_p50_ms"] == pytest.approx(25.0)
    assert summary["by_type"]["colloquial"]["recall@5"] == pytest.approx(0.5)
    assert summary["by_type"]["out_of_scope"]["recall@5"] is None


def test_failure_is_counted_and_scored_as_empty(questions):
    system = FakeSystem(good_script(), fail={"q1"})
    outcomes = run_system(system, questions, progress=False)
    _, summary = summarise(outcomes, retrieval_only=False)
    assert summary["overall"]["failures"] == 1
    assert outcomes[0].error == "RuntimeError: boom"
    assert summary["overall"]["recall@5"] == pytest.approx(1 / 3)  # q1 now a miss


def test_retrieval_only_system_has_no_answer_metrics(questions):
    script = {q: SystemOutput(retrieved=o.retrieved) for q, o in good_script().items()}
    _, summary = summarise(run_system(FakeSystem(script), questions, progress=False), retrieval_only=True)
    assert summary["overall"]["recall@5"] == pytest.approx(2 / 3)
    assert summary["overall"]["refusal_accuracy"] is None
    assert summary["overall"]["citation_validity"] is None


def _args(tmp_path, **extra) -> argparse.Namespace:
    base = {
        "questions": write_questions(tmp_path / "q.jsonl"),
        "index": None,
        "out": tmp_path / "out",
        "baselines": False,
        "compare": None,
        "limit": None,
        "corpus": None,
        "no_progress": True,
    }
    return argparse.Namespace(**{**base, **extra})


def _use(monkeypatch, *systems):
    monkeypatch.setattr(cli, "build_systems", lambda args: list(systems))


def test_report_files_written(tmp_path, monkeypatch):
    baseline = FakeSystem({k: SystemOutput(retrieved=v.retrieved) for k, v in good_script().items()})
    baseline.name, baseline.retrieval_only = "naive-rag", True
    _use(monkeypatch, FakeSystem(good_script()), baseline, Unavailable("china-law-mcp", "pip install failed"))
    assert cli.run(_args(tmp_path)) == 0
    out = tmp_path / "out"
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text("utf-8").splitlines()]
    assert len(rows) == 8  # 4 questions x 2 live systems
    q1 = next(r for r in rows if r["system"] == "regkb" and r["id"] == "q1")
    assert [x["hit"] for x in q1["retrieved"]] == [False, True]
    assert q1["hits"] == ["《个人信息保护法》第十四条"] and q1["misses"] == []
    q4 = next(r for r in rows if r["system"] == "regkb" and r["id"] == "q4")
    assert q4["cited"][0]["valid"] is False
    doc = json.loads((out / "metrics.json").read_text("utf-8"))
    assert doc["systems"]["china-law-mcp"] == {"available": False, "reason": "pip install failed"}
    assert doc["systems"]["regkb"]["invalid_citations"][0]["id"] == "q4"
    report = (out / "report.md").read_text("utf-8")
    assert "| metric | regkb | naive-rag |" in report
    # the hit rate over gold ∪ acceptable is named so, with the strict and gold-only figures beside it
    assert "| hit@5 (gold ∪ acceptable) | 0.667 (3) |" in report
    assert "| first-gold hit@5 (strict) | 0.667 (3) |" in report
    assert "| gold recall@5 (share of gold) | 0.667 (3) |" in report
    assert doc["systems"]["regkb"]["overall"]["gold_recall@5"] == pytest.approx(2 / 3)
    assert doc["systems"]["regkb"]["overall"]["recall@5"] == pytest.approx(2 / 3)  # key unchanged
    assert "china-law-mcp: unavailable** — pip install failed" in report
    assert "### q2 (colloquial" in report  # among the worst
    assert (out / "recall_at_k.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "per_type.png").stat().st_size > 1000


def _metrics(tmp_path, name, **overall):
    base = {"recall@5": 0.9, "mrr@10": 0.8, "refusal_accuracy": 1.0, "citation_validity": 1.0}
    doc = {"systems": {"regkb": {"available": True, "overall": {**base, **overall}}}}
    path = tmp_path / name
    path.write_text(json.dumps(doc), "utf-8")
    return path


def test_cli_compare_exit_codes(tmp_path, monkeypatch, capsys):
    # the fake run scores R@5 0.667, MRR 0.5, refusal 1.0, validity 0.5
    _use(monkeypatch, FakeSystem(good_script()))
    assert cli.run(_args(tmp_path, compare=_metrics(tmp_path, "old.json"))) == 1
    assert "FAIL" in capsys.readouterr().out
    # old metrics equal to the run's own: passes except validity, which is below its floor
    new = json.loads((tmp_path / "out" / "metrics.json").read_text("utf-8"))
    (tmp_path / "same.json").write_text(json.dumps(new), "utf-8")
    _use(monkeypatch, FakeSystem(good_script()))
    assert cli.run(_args(tmp_path, compare=tmp_path / "same.json")) == 1
    # a run whose citations are all valid, compared with itself, passes
    script = good_script()
    script["q4"] = SystemOutput(retrieved=script["q4"].retrieved, verdict="违规风险")
    _use(monkeypatch, FakeSystem(script))
    assert cli.run(_args(tmp_path, out=tmp_path / "a")) == 0
    _use(monkeypatch, FakeSystem(script))
    assert cli.run(_args(tmp_path, out=tmp_path / "b", compare=tmp_path / "a" / "metrics.json")) == 0
    assert "eval gate: passed" in capsys.readouterr().out


def test_cli_compare_unreadable_file_is_config_error(tmp_path, monkeypatch):
    _use(monkeypatch, FakeSystem(good_script()))
    with pytest.raises(ConfigError):
        cli.run(_args(tmp_path, compare=tmp_path / "missing.json"))


def test_register_adds_eval_subcommand():
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["eval", "--questions", "q.jsonl", "--out", "o", "--baselines", "--limit", "3"])
    assert args.func is cli.run and args.baselines and args.limit == 3
    assert compare.TOLERANCES["citation_validity"] == 0.0


def test_system_selection(tmp_path):
    assert cli.selected_systems(_args(tmp_path)) == ["regkb"]
    assert cli.selected_systems(_args(tmp_path, baselines=True)) == ["regkb", "china-law-mcp", "naive-rag"]
    assert cli.selected_systems(_args(tmp_path, systems=["naive-rag"])) == ["naive-rag"]


def test_warmup_call_is_not_scored(questions):
    calls: list[str] = []

    class Counting(FakeSystem):
        def __call__(self, question):
            calls.append(question.id)
            return super().__call__(question)

    outcomes = run_system(Counting(good_script()), questions, progress=False)
    assert calls == ["q1", "q1", "q2", "q3", "q4"] and len(outcomes) == 4
    calls.clear()
    run_system(Counting(good_script()), questions, progress=False, warmup=False)
    assert calls == ["q1", "q2", "q3", "q4"]


def test_train_and_validation_are_aggregated_separately(questions):
    from evals.splits import split_of

    outcomes = run_system(FakeSystem(good_script()), questions, progress=False)
    _, summary = summarise(outcomes, retrieval_only=False)
    expected = {s: sum(split_of(q.id) == s for q in questions) for s in ("train", "val")}
    assert {s: agg["questions"] for s, agg in summary["by_split"].items()} == {
        s: n for s, n in expected.items() if n
    }
    assert sum(agg["questions"] for agg in summary["by_split"].values()) == summary["overall"]["questions"]


def test_conclusion_accuracy_is_scored_on_labelled_questions(tmp_path):
    from dataclasses import replace

    from tests.evals.fakes import QUESTIONS

    rows = [{**QUESTIONS[0], "expected_answer": "不可以"}, {**QUESTIONS[1], "expected_answer": "可以"}]
    rows += QUESTIONS[2:]
    labelled = load_questions(write_questions(tmp_path / "labelled.jsonl", rows))
    script = good_script()
    script["q1"] = replace(script["q1"], conclusion="不可以")
    script["q2"] = replace(script["q2"], conclusion="有条件可以")
    scores, summary = summarise(
        run_system(FakeSystem(script), labelled, progress=False), retrieval_only=False
    )
    assert [s["conclusion_accuracy"] for s in scores[:2]] == [1.0, 0.0]
    assert (
        summary["overall"]["conclusion_accuracy"] == 0.5 and summary["overall"]["n_conclusion_accuracy"] == 2
    )
