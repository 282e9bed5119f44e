from __future__ import annotations

from evals import gate


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
    checks = gate.compare(doc(), doc())
    assert gate.passed(checks)
    assert [c.metric for c in checks[:4]] == ["recall@5", "mrr@10", "refusal_accuracy", "citation_validity"]
    assert by_metric(checks)["ndcg@10"].tolerance is None  # informational


def test_drop_within_tolerance_passes_beyond_fails():
    assert gate.passed(gate.compare(doc(), doc(**{"recall@5": 0.885})))  # -0.015 <= 0.02
    assert gate.passed(gate.compare(doc(), doc(**{"mrr@10": 0.78})))  # exactly the tolerance
    checks = gate.compare(doc(), doc(**{"recall@5": 0.87}))  # -0.03
    assert not gate.passed(checks)
    assert "dropped more than 0.02" in by_metric(checks)["recall@5"].reason


def test_refusal_has_zero_tolerance_and_improvements_pass():
    assert not gate.passed(gate.compare(doc(), doc(refusal_accuracy=5 / 6)))
    assert gate.passed(gate.compare(doc(**{"recall@5": 0.5}), doc(**{"recall@5": 0.95})))


def test_validity_floor_and_missing_metric():
    # baseline already below 1.0: no drop, but the floor still fails the run
    checks = gate.compare(doc(citation_validity=0.9), doc(citation_validity=0.95))
    assert not gate.passed(checks) and "floor" in by_metric(checks)["citation_validity"].reason
    checks = gate.compare(doc(), doc(citation_validity=None))
    assert not gate.passed(checks) and "missing" in by_metric(checks)["citation_validity"].reason


def test_informational_drop_does_not_fail():
    assert gate.passed(gate.compare(doc(), doc(**{"ndcg@10": 0.1})))


def test_unavailable_system_counts_as_missing():
    new = {"systems": {"regkb": {"available": False, "reason": "no index"}}}
    assert not gate.passed(gate.compare(doc(), new))


def test_format_shows_deltas():
    text = gate.format_checks(gate.compare(doc(), doc(**{"recall@5": 0.87})))
    assert "-0.0300" in text and "FAIL" in text


def test_gate_main_writes_then_checks_a_baseline(tmp_path, monkeypatch):
    from evals import cli
    from evals.runner import SystemOutput
    from tests.evals.fakes import FakeSystem, good_script, write_questions

    script = good_script()
    script["q4"] = SystemOutput(retrieved=script["q4"].retrieved)  # no invalid citation
    monkeypatch.setattr(cli, "build_systems", lambda args: [FakeSystem(dict(script))])
    questions = write_questions(tmp_path / "q.jsonl")
    common = ["--skip-ingest", "--questions", str(questions), "--out", str(tmp_path / "out")]
    baseline = tmp_path / "baseline.json"
    assert gate.main([*common, "--baseline", str(baseline)]) == 2  # no baseline yet
    assert gate.main([*common, "--baseline", str(baseline), "--write-baseline"]) == 0
    assert baseline.is_file()
    assert gate.main([*common, "--baseline", str(baseline)]) == 0
    script["q1"] = SystemOutput()  # q1 now retrieves nothing: Recall@5 drops by 1/3
    assert gate.main([*common, "--baseline", str(baseline)]) == 1
