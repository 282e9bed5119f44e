from __future__ import annotations

import json

import pytest

from evals import compare, gate
from evals.runner import SystemOutput
from tests.evals.fakes import FakeSystem, good_script, write_questions


def doc(**overall):
    base = {
        "recall@5": 0.90,
        "mrr@10": 0.80,
        "refusal_accuracy": 1.0,
        "citation_validity": 1.0,
        "ndcg@10": 0.7,
    }
    return {"systems": {"regkb": {"available": True, "overall": {**base, **overall}}}}


def by_metric(checks):
    return {c.metric: c for c in checks}


def test_identical_runs_pass_and_list_headlines_first():
    checks = compare.compare(doc(), doc())
    assert compare.passed(checks)
    assert [c.metric for c in checks[:4]] == ["recall@5", "mrr@10", "refusal_accuracy", "citation_validity"]
    assert by_metric(checks)["ndcg@10"].tolerance is None  # informational


def test_drop_within_tolerance_passes_beyond_fails():
    assert compare.passed(compare.compare(doc(), doc(**{"recall@5": 0.885})))  # -0.015 <= 0.02
    assert compare.passed(compare.compare(doc(), doc(**{"mrr@10": 0.78})))  # exactly the tolerance
    checks = compare.compare(doc(), doc(**{"recall@5": 0.87}))  # -0.03
    assert not compare.passed(checks)
    assert "dropped more than 0.02" in by_metric(checks)["recall@5"].reason


def test_refusal_has_zero_tolerance_and_improvements_pass():
    assert not compare.passed(compare.compare(doc(), doc(refusal_accuracy=5 / 6)))
    assert compare.passed(compare.compare(doc(**{"recall@5": 0.5}), doc(**{"recall@5": 0.95})))


def test_validity_floor_and_missing_metric():
    # baseline already below 1.0: no drop, but the floor still fails the run
    checks = compare.compare(doc(citation_validity=0.9), doc(citation_validity=0.95))
    assert not compare.passed(checks) and "floor" in by_metric(checks)["citation_validity"].reason
    checks = compare.compare(doc(), doc(citation_validity=None))
    assert not compare.passed(checks) and "missing" in by_metric(checks)["citation_validity"].reason


def test_validity_of_a_run_without_citations_is_undefined_not_missing():
    # every out-of-scope question refused: no citation shown, so none to validate
    checks = compare.compare(doc(citations=1), doc(citation_validity=None, citations=0))
    assert compare.passed(checks) and by_metric(checks)["citation_validity"].reason == "no citations shown"
    checks = compare.compare(doc(citations=1), doc(citation_validity=None, citations=3))
    assert not compare.passed(checks)


def test_informational_drop_does_not_fail():
    assert compare.passed(compare.compare(doc(), doc(**{"ndcg@10": 0.1})))


def test_unavailable_system_counts_as_missing():
    new = {"systems": {"regkb": {"available": False, "reason": "no index"}}}
    assert not compare.passed(compare.compare(doc(), new))


def test_format_shows_deltas():
    text = compare.format_checks(compare.compare(doc(), doc(**{"recall@5": 0.87})))
    assert "-0.0300" in text and "FAIL" in text


def test_tolerance_is_half_a_question_of_the_baseline_plus_index_noise():
    old = doc(**{"n_recall@5": 40})  # tolerance 0.5 / 40 + 0.005 = 0.0175
    assert compare.tolerances(overall(old))["recall@5"] == pytest.approx(0.0175)
    assert compare.tolerances(overall(old))["refusal_accuracy"] == 0.0
    assert compare.passed(
        compare.compare(old, doc(**{"mrr@10": 0.80 - 0.0125}))
    )  # rank 1 -> 2 on one question
    checks = compare.compare(old, doc(**{"recall@5": 0.90 - 1 / 40}))  # one question loses its hit
    assert not compare.passed(checks)
    assert by_metric(checks)["recall@5"].tolerance == pytest.approx(0.0175)


def test_a_large_set_tolerates_one_question_of_index_noise_not_two():
    """An index built in bf16 and one in fp32 differed in 1 of 201 STARD hits (evals/compare.py)."""
    old = doc(**{"n_recall@5": 201})
    assert compare.passed(compare.compare(old, doc(**{"recall@5": 0.90 - 1 / 201})))
    assert not compare.passed(compare.compare(old, doc(**{"recall@5": 0.90 - 2 / 201})))
    small = doc(**{"n_recall@5": 99})
    assert not compare.passed(compare.compare(small, doc(**{"recall@5": 0.90 - 1 / 99})))
    # without counts the fixed fallback holds (0.02 would let one of 40 questions through)
    assert compare.passed(compare.compare(doc(), doc(**{"recall@5": 0.90 - 1 / 40 + 0.006})))


def overall(d):
    return d["systems"]["regkb"]["overall"]


def _gate(tmp_path, monkeypatch, script):
    monkeypatch.setattr(gate, "open_system", lambda index: FakeSystem(dict(script)))


def test_gate_main_writes_then_checks_a_baseline(tmp_path, monkeypatch):
    script = good_script()
    script["q4"] = SystemOutput(retrieved=script["q4"].retrieved)  # no invalid citation
    _gate(tmp_path, monkeypatch, script)
    questions = write_questions(tmp_path / "q.jsonl")
    common = ["--skip-ingest", "--questions", str(questions), "--out", str(tmp_path / "out")]
    baseline = tmp_path / "baseline.json"
    assert gate.main([*common, "--baseline", str(baseline)]) == 2  # no baseline yet
    assert gate.main([*common, "--baseline", str(baseline), "--write-baseline"]) == 0
    assert baseline.is_file()
    assert gate.main([*common, "--baseline", str(baseline)]) == 0
    script["q1"] = SystemOutput()  # q1 now retrieves nothing: Recall@5 drops by 1/3
    _gate(tmp_path, monkeypatch, script)
    assert gate.main([*common, "--baseline", str(baseline)]) == 1


def test_default_sets_are_every_validation_split_plus_whole_dev():
    sets = {s.name: s for s in gate.gate_sets(gate.SHARED)}
    assert list(sets) == [
        "dev-val",
        "stard-corpus-val",
        "internal-val",
        "out_of_scope-val",
        "heldout-val",
        "blind-val",
        "permission-val",
        "dev-all",
    ]
    assert all(s.split == "val" for name, s in sets.items() if name != "dev-all")
    assert sets["dev-all"].split == "all" and sets["dev-all"].baseline.name == "baseline.json"
    assert sets["blind-val"].questions.name == "blind.jsonl"
    assert sets["stard-corpus-val"].baseline.name == "stard-corpus-val.json"


def test_committed_baselines_exist_for_every_set_and_hold_only_the_val_split():
    from evals.dataset import load_split

    for s in gate.gate_sets(gate.SHARED):
        doc = json.loads(s.baseline.read_text("utf-8"))
        info = doc["systems"]["regkb"]
        assert info["available"], s.name
        if s.split == "val" and s.questions.is_file():
            assert info["overall"]["questions"] == len(load_split(s.questions, "val")), s.name
            assert set(info["by_split"]) == {"val"}, s.name


def test_gate_runs_each_set_split_and_names_the_failing_set(tmp_path, monkeypatch, capsys):
    questions = write_questions(tmp_path / "q.jsonl")
    sets = [gate.GateSet(n, questions, "all", tmp_path / "base" / f"{n}.json") for n in ("a", "b")]
    monkeypatch.setattr(gate, "gate_sets", lambda *a: sets)
    script = good_script()
    script["q4"] = SystemOutput(retrieved=script["q4"].retrieved)
    _gate(tmp_path, monkeypatch, script)
    common = ["--skip-ingest", "--out", str(tmp_path / "out"), "--sets", "a", "b"]
    assert gate.main(common) == 2  # baselines missing, named
    assert "base/a.json" in capsys.readouterr().out
    assert gate.main([*common, "--write-baseline"]) == 0
    assert (tmp_path / "out" / "a" / "report.md").is_file() and sets[1].baseline.is_file()
    assert gate.main(common) == 0
    assert "eval gate: passed (2 sets)" in capsys.readouterr().out
    worse = json.loads(sets[1].baseline.read_text("utf-8"))
    overall(worse)["refusal_accuracy"] = 1.0 + 1e-6  # any drop in refusal fails
    sets[1].baseline.write_text(json.dumps(worse), "utf-8")
    assert gate.main(common) == 1
    assert "FAILED in b" in capsys.readouterr().out


def test_unknown_set_is_a_config_error_naming_the_choices(capsys):
    assert gate.main(["--skip-ingest", "--sets", "dev-vall"]) == 2
    out = capsys.readouterr().out
    assert "no set dev-vall" in out and "stard-corpus-val" in out
