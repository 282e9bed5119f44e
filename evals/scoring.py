"""Per-question metrics and their aggregation, overall and per question type.

Which questions a metric covers:

- retrieval (recall@k = hit@k over gold ∪ acceptable, strict_recall@5 = the first gold
  article in the top 5, gold_recall@5 = the share of gold articles in the top 5, MRR@10,
  nDCG@10): answerable questions with references; an unanswerable question is scored on
  refusal, not retrieval;
- citation precision / recall and key-point coverage: answerable questions, systems that answer;
- citation validity: every citation shown, on any question; aggregated *micro* (valid
  citations / all citations), so one bad quote anywhere shows below 1.0;
- refusal accuracy: unanswerable questions; false-refusal rate: answerable ones;
- verdict accuracy: questions with an expected verdict where the system emitted one
  (``verdict_coverage`` says how often it did);
- conclusion accuracy: answerable questions with an ``expected_answer`` label (a missing
  label counts as wrong);
- latency: every question, as p50 / p95.

Every other aggregate is the mean over the questions the metric covers (``n_<metric>``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evals import metrics as m
from evals.dataset import EvalQuestion
from evals.runner import Outcome
from evals.splits import split_of

CURVE_KS = tuple(range(1, 11))
HEADLINE = ("recall@5", "mrr@10", "refusal_accuracy", "citation_validity")
MEAN_METRICS = (
    *(f"recall@{k}" for k in CURVE_KS),
    "strict_recall@5",
    "gold_recall@5",
    "mrr@10",
    "ndcg@10",
    "citation_precision",
    "citation_recall",
    "key_point_coverage",
    "refusal_accuracy",
    "false_refusal_rate",
    "verdict_accuracy",
    "verdict_coverage",
    "conclusion_accuracy",
)


def expected_refs(question: EvalQuestion) -> tuple[list[m.Ref], list[m.Ref]]:
    """The question's gold and acceptable references as metric Refs."""
    gold = [m.Ref(r.doc, r.article, r.title, r.short_title) for r in question.gold]
    acc = [m.Ref(r.doc, r.article, r.title, r.short_title) for r in question.acceptable]
    return gold, acc


def _retrieval(outcome: Outcome) -> dict[str, float | None]:
    q, got = outcome.question, list(outcome.output.retrieved)
    gold, acc = expected_refs(q)
    if not q.answerable:
        gold, acc = [], []
    out: dict[str, float | None] = {f"recall@{k}": m.recall_at_k(got, gold, acc, k) for k in CURVE_KS}
    out["strict_recall@5"] = m.strict_recall_at_k(got, gold, 5)
    out["gold_recall@5"] = m.gold_recall_at_k(got, gold, 5)
    out["mrr@10"] = m.mrr_at_k(got, gold, acc, 10)
    out["ndcg@10"] = m.ndcg_at_k(got, gold, acc, 10)
    return out


def _answers(outcome: Outcome) -> dict[str, float | None]:
    q, out = outcome.question, outcome.output
    gold, acc = expected_refs(q)
    cited = [c.ref for c in out.cited]
    answerable = q.answerable
    emitted = None if q.verdict is None else (1.0 if out.verdict is not None else 0.0)
    return {
        "citation_precision": m.citation_precision(cited, gold, acc) if answerable else None,
        "citation_recall": m.citation_recall(cited, gold) if answerable else None,
        "key_point_coverage": (
            m.key_point_coverage(q.key_points, out.answer, [c.quote for c in out.cited])
            if answerable
            else None
        ),
        "refusal_accuracy": m.refusal_correct(answerable, out.refused),
        "false_refusal_rate": m.false_refusal(answerable, out.refused),
        "verdict_accuracy": m.verdict_correct(q.verdict, out.verdict),
        "verdict_coverage": emitted,
        "conclusion_accuracy": m.conclusion_correct(q.expected_answer, out.conclusion)
        if answerable
        else None,
    }


def score(outcome: Outcome, retrieval_only: bool) -> dict[str, float | None]:
    """All per-question metrics; answer metrics are None for retrieval-only systems."""
    values = _retrieval(outcome)
    if not retrieval_only:
        values.update(_answers(outcome))
    values["citations"] = float(len(outcome.output.cited))
    values["citations_valid"] = float(outcome.valid_citations)
    values["latency_ms"] = outcome.latency_ms
    return values


def aggregate(outcomes: Sequence[Outcome], scores: Sequence[dict[str, float | None]]) -> dict[str, Any]:
    """Means (with their counts), micro citation validity, latency percentiles, failures."""
    agg: dict[str, Any] = {"questions": len(outcomes), "failures": sum(o.error is not None for o in outcomes)}
    for name in MEAN_METRICS:
        value, n = m.mean(s.get(name) for s in scores)
        agg[name], agg[f"n_{name}"] = value, n
    total = sum(s["citations"] or 0.0 for s in scores)
    valid = sum(s["citations_valid"] or 0.0 for s in scores)
    agg["citations"] = int(total)
    agg["citation_validity"] = valid / total if total else None
    latencies = [s["latency_ms"] for s in scores if s["latency_ms"] is not None]
    agg["latency_p50_ms"] = m.percentile(latencies, 50)
    agg["latency_p95_ms"] = m.percentile(latencies, 95)
    return agg


def summarise(
    outcomes: Sequence[Outcome], retrieval_only: bool
) -> tuple[list[dict[str, float | None]], dict]:
    """Per-question scores plus {"overall": ..., "by_type": {type: ...}, "by_split": {train/val: ...}}."""
    scores = [score(o, retrieval_only) for o in outcomes]
    by_type: dict[str, dict[str, Any]] = {}
    for qtype in sorted({o.question.type for o in outcomes}):
        idx = [i for i, o in enumerate(outcomes) if o.question.type == qtype]
        by_type[qtype] = aggregate([outcomes[i] for i in idx], [scores[i] for i in idx])
    by_split: dict[str, dict[str, Any]] = {}
    for split in ("train", "val"):  # evals.splits: tune on train, report val separately
        idx = [i for i, o in enumerate(outcomes) if split_of(o.question.id) == split]
        if idx:
            by_split[split] = aggregate([outcomes[i] for i in idx], [scores[i] for i in idx])
    return scores, {"overall": aggregate(outcomes, scores), "by_type": by_type, "by_split": by_split}
