"""Where regkb.answer.SUPPORT_RATIO comes from: a grid on the train splits, recall held at its level.

    python -m evals.tune_answer --index DIR [--shared ../shared]

A provision among the evidence is cited only when its sentences share content with the question
(regkb.answer.select). This asks every answerable train question of dev, heldout and blind once per
candidate ratio and prints citation precision and recall per set; the pick is the most precise
ratio whose recall is no lower than citing all the evidence (ratio 0) on every set (ties go to
the stricter ratio). Validation questions are never read. On the index of corpus/ +
../shared/corpus (2026-11-29) it picks 0.1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from evals import metrics as m
from evals.dataset import EvalQuestion, load_questions
from evals.paths import SHARED
from evals.runner import ref_of
from evals.scoring import expected_refs
from evals.splits import REPO, split_of

RATIOS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)


def train_sets(shared: Path) -> dict[str, list[EvalQuestion]]:
    files = {
        "dev": shared / "evals" / "dev.jsonl",
        "heldout": REPO / "evals" / "questions" / "heldout.jsonl",
        "blind": REPO / "evals" / "questions" / "blind.jsonl",
    }
    return {
        name: [q for q in load_questions(path) if q.answerable and split_of(q.id) == "train"]
        for name, path in files.items()
    }


def measure(engine, questions: Sequence[EvalQuestion]) -> tuple[float, float]:  # engine: regkb Engine
    """Mean citation precision and recall over the questions the engine answers."""
    precision, recall = [], []
    for q in questions:
        answer = engine.ask(q.question)
        if answer.refused:
            continue
        gold, acceptable = expected_refs(q)
        cited = [ref_of(c.passage) for c in answer.citations]
        p, r = m.citation_precision(cited, gold, acceptable), m.citation_recall(cited, gold)
        precision += [p] if p is not None else []
        recall += [r] if r is not None else []
    return sum(precision) / max(len(precision), 1), sum(recall) / max(len(recall), 1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="index of corpus/ + ../shared/corpus")
    parser.add_argument("--shared", type=Path, default=SHARED)
    args = parser.parse_args(argv)
    import regkb.answer
    from regkb.engine import Engine
    from regkb.settings import Settings

    engine = Engine.open(Settings(index_dir=args.index))
    sets = train_sets(args.shared)
    results: dict[float, dict[str, tuple[float, float]]] = {}
    for ratio in RATIOS:
        regkb.answer.SUPPORT_RATIO = ratio
        results[ratio] = {name: measure(engine, qs) for name, qs in sets.items()}
        cells = "  ".join(f"{n} P {p:.3f} R {r:.3f}" for n, (p, r) in results[ratio].items())
        print(f"ratio {ratio:.1f}  {cells}")
    floor = results[0.0]
    kept = [r for r in RATIOS if all(results[r][n][1] >= floor[n][1] - 1e-9 for n in sets)]
    best = max(kept, key=lambda r: (round(sum(p for p, _ in results[r].values()), 6), r))  # ties: stricter
    print(f"pick: SUPPORT_RATIO = {best} (most precise with recall at the ratio-0 level on every set)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
