"""Grid-search the retrieval fusion weights on a question file (how DEFAULT_WEIGHTS were picked).

    python -m evals.tune --questions ../shared/evals/dev.jsonl --index .regkb-eval

Each question's channels are ranked once; every weight combination is then scored by
Recall@5 + MRR@10 both with and without the conduct channel, so the general channels are
tuned to carry questions no curated pattern covers. Prints the best combinations.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from regkb import retrieval
from regkb.engine import Engine
from regkb.query import plan_query
from regkb.settings import Settings
from regkb.types import Filters

GRID: dict[str, Sequence[float]] = {
    "conduct": (1.6, 3.0),
    "bm25": (0.8, 1.5, 2.5),
    "e5": (0.3, 0.6, 1.0),
    "use": (0.2, 0.5),
    "xref": (0.0, 0.5, 1.0),
    "situation": (0.0, 0.5, 1.0),
}


def _load(engine: Engine, path: Path) -> list[tuple[retrieval.Ranked, set[tuple[str, str]]]]:
    state = engine._state
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if not q["answerable"]:
            continue
        ranked = state.retriever.rank(plan_query(q["question"], state.finder), Filters())
        refs = {(g["short_title"], g["article"]) for g in q["gold"] + q["acceptable"]}
        cases.append((ranked, refs))
    return cases


def score(engine: Engine, cases, weights: dict[str, float]) -> tuple[float, float]:
    retriever = engine._state.retriever
    retriever.weights = weights
    r5 = mrr = 0.0
    for ranked, refs in cases:
        hits = retrieval.merge_parts(retriever.fuse(ranked, Filters(), 30))[:10]
        got = [(h.passage.short_title, h.passage.article) for h in hits]
        r5 += any(g in refs for g in got[:5])
        mrr += next((1 / (i + 1) for i, g in enumerate(got) if g in refs), 0.0)
    return r5 / len(cases), mrr / len(cases)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.tune", description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--index", type=Path, default=Path(".regkb-eval"))
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args(argv)
    engine = Engine.open(Settings(index_dir=args.index))
    cases = _load(engine, args.questions)
    base = dict(retrieval.DEFAULT_WEIGHTS)
    results = []
    for values in itertools.product(*GRID.values()):
        weights = {**base, **dict(zip(GRID, values, strict=True))}
        with_conduct = score(engine, cases, weights)
        without = score(engine, cases, {**weights, "conduct": 0.0})
        results.append((sum(with_conduct) + sum(without), with_conduct, without, weights))
    results.sort(key=lambda r: -r[0])
    for total, (r5, mrr), (r5n, mrrn), weights in results[: args.top]:
        shown = ", ".join(f"{k}={weights[k]}" for k in GRID)
        print(f"{total:.3f}  R@5 {r5:.3f} MRR {mrr:.3f} | no conduct R@5 {r5n:.3f} MRR {mrrn:.3f} | {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
