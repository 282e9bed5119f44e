"""Write an eval run to disk: results.jsonl, metrics.json, report.md and PNG plots."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals import metrics as m
from evals.runner import Outcome
from evals.scoring import CURVE_KS, expected_refs

log = logging.getLogger(__name__)

# Titles say what is counted: recall@k is a hit rate over gold ∪ acceptable (metrics.py).
TABLE_METRICS = (
    ("recall@1", "hit@1 (gold ∪ acceptable)"),
    ("recall@5", "hit@5 (gold ∪ acceptable)"),
    ("recall@10", "hit@10 (gold ∪ acceptable)"),
    ("strict_recall@5", "first-gold hit@5 (strict)"),
    ("gold_recall@5", "gold recall@5 (share of gold)"),
    ("mrr@10", "MRR@10 (gold ∪ acceptable)"),
    ("ndcg@10", "nDCG@10"),
    ("citation_precision", "cit. precision"),
    ("citation_recall", "cit. recall"),
    ("citation_validity", "cit. validity"),
    ("key_point_coverage", "key points"),
    ("refusal_accuracy", "refusal acc."),
    ("false_refusal_rate", "false refusals"),
    ("verdict_accuracy", "verdict acc."),
    ("verdict_coverage", "verdict emitted"),
    ("conclusion_accuracy", "conclusion acc."),
    ("latency_p50_ms", "p50 ms"),
    ("latency_p95_ms", "p95 ms"),
    ("failures", "failures"),
)


@dataclass(frozen=True, slots=True)
class SystemRun:
    """One system's outcomes and summary; ``reason`` set (and no outcomes) when it was unavailable."""

    name: str
    retrieval_only: bool
    outcomes: tuple[Outcome, ...] = ()
    scores: tuple[dict[str, float | None], ...] = ()
    summary: dict[str, Any] | None = None
    reason: str | None = None


def _ref_json(ref: m.Ref) -> dict[str, str]:
    return {"doc": ref.doc, "article": ref.article, "title": ref.title, "short_title": ref.short_title}


def result_row(run: SystemRun, outcome: Outcome, scores: dict[str, float | None]) -> dict[str, Any]:
    q, out = outcome.question, outcome.output
    gold, acc = expected_refs(q)
    top = list(out.retrieved[:10])
    expected = [*gold, *acc] if q.answerable else []
    invalid = {(c.ref, c.quote) for c in outcome.invalid_citations}
    return {
        "system": run.name,
        "id": q.id,
        "type": q.type,
        "question": q.question,
        "answerable": q.answerable,
        "error": outcome.error,
        "refused": out.refused,
        "verdict": out.verdict,
        "expected_verdict": q.verdict,
        "conclusion": out.conclusion,
        "expected_answer": q.expected_answer,
        "retrieved": [{**_ref_json(r), "hit": any(m.ref_matches(r, e) for e in expected)} for r in top],
        "cited": [
            {**_ref_json(c.ref), "quote": c.quote, "valid": (c.ref, c.quote) not in invalid}
            for c in out.cited
        ],
        "gold": [_ref_json(r) for r in gold],
        "acceptable": [_ref_json(r) for r in acc],
        "hits": [e.label for e in expected if any(m.ref_matches(r, e) for r in top)],
        "misses": [e.label for e in gold if q.answerable and not any(m.ref_matches(r, e) for r in top)],
        "metrics": scores,
    }


def write_results(path: Path, runs: Sequence[SystemRun]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for run in runs:
            for outcome, scores in zip(run.outcomes, run.scores, strict=True):
                fh.write(json.dumps(result_row(run, outcome, scores), ensure_ascii=False) + "\n")


def metrics_document(runs: Sequence[SystemRun], questions_file: str, primary: str) -> dict[str, Any]:
    systems: dict[str, Any] = {}
    for run in runs:
        if run.reason is not None:
            systems[run.name] = {"available": False, "reason": run.reason}
            continue
        invalid = [
            {"id": o.question.id, "label": c.ref.label, "doc": c.ref.doc, "quote": c.quote}
            for o in run.outcomes
            for c in o.invalid_citations
        ]
        systems[run.name] = {
            "available": True,
            "retrieval_only": run.retrieval_only,
            **(run.summary or {}),
            "invalid_citations": invalid,
            "failed_questions": [o.question.id for o in run.outcomes if o.error is not None],
        }
    return {"questions_file": questions_file, "primary": primary, "systems": systems}


def _fmt(value: Any, key: str) -> str:
    if value is None:
        return "—"
    if key.startswith("latency"):
        return f"{value:.1f}"
    if key == "failures" or isinstance(value, int):
        return str(value)
    return f"{value:.3f}"


def _cell(agg: dict[str, Any], key: str) -> str:
    text = _fmt(agg.get(key), key)
    if key == "citation_validity" and agg.get(key) is not None:
        return f"{text} ({agg['citations']} cit.)"
    n = agg.get(f"n_{key}")
    return f"{text} ({n})" if n is not None and agg.get(key) is not None else text


def overall_table(runs: Sequence[SystemRun]) -> list[str]:
    live = [r for r in runs if r.summary is not None]
    lines = ["| metric | " + " | ".join(r.name for r in live) + " |", "|---" * (len(live) + 1) + "|"]
    for key, title in TABLE_METRICS:
        lines.append(
            f"| {title} | " + " | ".join(_cell(r.summary["overall"], key) for r in live if r.summary) + " |"
        )
    return lines


SPLIT_METRICS = (
    ("recall@5", "hit@5 (gold ∪ acceptable)"),
    ("strict_recall@5", "first-gold hit@5 (strict)"),
    ("citation_precision", "cit. precision"),
    ("citation_recall", "cit. recall"),
    ("key_point_coverage", "key points"),
    ("conclusion_accuracy", "conclusion acc."),
    ("refusal_accuracy", "refusal acc."),
)


def split_table(run: SystemRun) -> list[str]:
    """The headline metrics on the train and validation splits (evals.splits), side by side."""
    assert run.summary is not None
    splits = run.summary.get("by_split", {})
    lines = ["| metric | " + " | ".join(splits) + " |", "|---" * (len(splits) + 1) + "|"]
    for key, title in SPLIT_METRICS:
        lines.append(f"| {title} | " + " | ".join(_cell(agg, key) for agg in splits.values()) + " |")
    return lines


def type_table(run: SystemRun) -> list[str]:
    assert run.summary is not None
    keys = [(k, t) for k, t in TABLE_METRICS if not (run.retrieval_only and _answer_metric(k))]
    lines = ["| type | n | " + " | ".join(t for _, t in keys) + " |", "|---" * (len(keys) + 2) + "|"]
    for qtype, agg in run.summary["by_type"].items():
        lines.append(
            f"| {qtype} | {agg['questions']} | " + " | ".join(_fmt(agg.get(k), k) for k, _ in keys) + " |"
        )
    return lines


def _answer_metric(key: str) -> bool:
    return key.startswith(("citation", "key_point", "refusal", "false_refusal", "verdict", "conclusion"))


def badness(outcome: Outcome, scores: dict[str, float | None]) -> tuple[float, float]:
    """Sort key for the worst questions: nDCG@10 (answerable) or refusal (unanswerable), then MRR."""
    if outcome.question.answerable:
        return (scores.get("ndcg@10") or 0.0, scores.get("mrr@10") or 0.0)
    return (1.0 if outcome.output.refused else 0.0, 1.0)


def worst_section(run: SystemRun, count: int = 10) -> list[str]:
    order = sorted(range(len(run.outcomes)), key=lambda i: badness(run.outcomes[i], run.scores[i]))
    lines: list[str] = []
    for i in order[:count]:
        o, s = run.outcomes[i], run.scores[i]
        gold, acc = expected_refs(o.question)
        expected = [*gold, *acc]
        got = [
            f"{r.label}{' ✓' if any(m.ref_matches(r, e) for e in expected) else ''}"
            for r in o.output.retrieved[:10]
        ]
        state = "" if run.retrieval_only else (", refused" if o.output.refused else ", answered")
        lines += [
            f"### {o.question.id} ({o.question.type}, nDCG@10 {_fmt(s.get('ndcg@10'), 'n')}{state})",
            "",
            f"> {o.question.question}",
            "",
            f"- gold: {', '.join(r.label for r in gold) or '—'}",
            f"- acceptable: {', '.join(r.label for r in acc) or '—'}",
            f"- retrieved: {', '.join(got) or '—'}" + (f"\n- error: {o.error}" if o.error else ""),
            "",
        ]
    return lines


def write_markdown(path: Path, runs: Sequence[SystemRun], doc: dict[str, Any], command: str) -> None:
    lines = [f"# Eval report: {doc['questions_file']}", "", f"Command: `{command}`", ""]
    lines += ["Cells show the mean and, in parentheses, how many questions the metric covers.", ""]
    lines += ["## Overall", "", *overall_table(runs), ""]
    for run in runs:
        if run.reason is not None:
            lines += [f"**{run.name}: unavailable** — {run.reason}", ""]
    for run in runs:
        if run.summary is None:
            continue
        lines += [f"## Per type: {run.name}", "", *type_table(run), ""]
        if run.summary.get("by_split"):
            lines += [f"## Train / validation split: {run.name}", "", *split_table(run), ""]
        info = doc["systems"][run.name]
        if info["failed_questions"]:
            lines += [
                f"Failed questions ({len(info['failed_questions'])}): {', '.join(info['failed_questions'])}",
                "",
            ]
        if not run.retrieval_only:
            bad = info["invalid_citations"]
            lines += [f"Invalid citations: {len(bad)}", ""]
            lines += [f"- {b['id']}: {b['label']} 「{b['quote']}」" for b in bad] + ([""] if bad else [])
    primary = next((r for r in runs if r.name == doc["primary"] and r.summary is not None), None)
    if primary is not None:
        lines += [f"## The 10 worst questions ({primary.name})", "", *worst_section(primary)]
    lines += ["## Plots", "", "![recall@k](recall_at_k.png)", "", "![per type](per_type.png)", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def write_plots(out_dir: Path, runs: Sequence[SystemRun]) -> list[Path]:
    """recall_at_k.png (hit@k curve per system) and per_type.png (hit@5 and MRR@10 bars per type)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    live = [r for r in runs if r.summary is not None]
    curve, ax = plt.subplots(figsize=(6, 4))
    for run in live:
        assert run.summary is not None
        ys = [run.summary["overall"].get(f"recall@{k}") or 0.0 for k in CURVE_KS]
        ax.plot(CURVE_KS, ys, marker="o", label=run.name)
    ax.set(
        xlabel="k",
        ylabel="hit@k, gold ∪ acceptable (answerable)",
        ylim=(0, 1.02),
        xticks=CURVE_KS,
        title="hit@k",
    )
    ax.grid(alpha=0.3)
    ax.legend()
    curve.tight_layout()
    curve_path = out_dir / "recall_at_k.png"
    curve.savefig(curve_path, dpi=110)
    plt.close(curve)
    bars_path = out_dir / "per_type.png"
    _type_bars(plt, live, bars_path)
    return [curve_path, bars_path]


def _type_bars(plt: Any, live: Sequence[SystemRun], path: Path) -> None:
    # types scored on retrieval (out_of_scope questions are scored on refusal instead)
    types = sorted(
        {
            t
            for r in live
            if r.summary
            for t, agg in r.summary["by_type"].items()
            if agg.get("recall@5") is not None
        }
    )
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    width = 0.8 / max(len(live), 1)
    for ax, key, title in zip(axes, ("recall@5", "mrr@10"), ("hit@5", "MRR@10"), strict=True):
        for j, run in enumerate(live):
            by_type = run.summary["by_type"] if run.summary else {}
            ys = [(by_type.get(t, {}).get(key) or 0.0) for t in types]
            ax.bar([i + j * width for i in range(len(types))], ys, width, label=run.name)
        ax.set_xticks(
            [i + width * (len(live) - 1) / 2 for i in range(len(types))], types, rotation=30, ha="right"
        )
        ax.set(title=f"{title} per question type", ylim=(0, 1.02))
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(
    out_dir: Path, runs: Sequence[SystemRun], questions_file: str, command: str, primary: str = "regkb"
) -> dict:
    """Write every output file; returns the metrics document."""
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = metrics_document(runs, questions_file, primary)
    write_results(out_dir / "results.jsonl", runs)
    (out_dir / "metrics.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    write_plots(out_dir, runs)
    write_markdown(out_dir / "report.md", runs, doc, command)
    log.info("wrote report to %s", out_dir)
    return doc
