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
