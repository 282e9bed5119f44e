"""Compare the ranker with and without some features, paired over several fold assignments.

    python -m training.compare --index .regkb-eval --without cos_e5a,gap_e5a,rank_e5a [--assignments 5]

One cross-validated figure moves with the fold assignment and with the features' last digits
(refitting on query vectors that moved by cosine 1e-5 moved MRR@10 between 0.654 and 0.664), so
a change of a few thousandths is noise. This fits the committed LambdaMART settings on the
train splits' rows (training/ranker.py) under `assignments` other fold assignments (salts 1..n),
each with every feature and with the named ones zeroed (a constant column is never split on, as
if removed), and prints each pair's cross-validated figures, the MRR@10 gains and each set's mean
hit@5. Train-split figures: tuning figures, not validation.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from regkb.errors import ConfigError
from regkb.ranker import FEATURES
from training.ranker import SETTINGS, Rows, collect_rows, cross_validate, per_set, ranking_metrics


def without(rows: Rows, names: Sequence[str]) -> Rows:
    """The same rows with the named feature columns zeroed."""
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise ConfigError(
            f"--without: unknown features {', '.join(unknown)} (regkb.ranker.FEATURES names them)"
        )
    x = rows.x.copy()
    x[:, [FEATURES.index(n) for n in names]] = 0.0
    return replace(rows, x=x)


def figures(rows: Rows, salt: str, folds: int) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    scores = cross_validate(rows, SETTINGS[0], folds, salt)
    return ranking_metrics(rows, scores, np.ones(len(rows.y), dtype=bool)), per_set(rows, scores)


def compare(rows: Rows, names: Sequence[str], assignments: int, folds: int) -> list[str]:
    """Report lines: each assignment's pair, the MRR@10 gains, each set's mean hit@5 both ways."""
    base = without(rows, names)
    lines, gains = [], []
    means: dict[str, list[tuple[float, float]]] = {}
    for salt in (str(i) for i in range(1, assignments + 1)):
        (b_all, b_sets), (f_all, f_sets) = figures(base, salt, folds), figures(rows, salt, folds)
        gains.append(f_all["mrr@10"] - b_all["mrr@10"])
        lines.append(
            f"assignment {salt}: hit@5 {b_all['recall@5']:.4f} -> {f_all['recall@5']:.4f}, "
            f"MRR@10 {b_all['mrr@10']:.4f} -> {f_all['mrr@10']:.4f}"
        )
        for name in f_sets:
            means.setdefault(name, []).append((b_sets[name]["recall@5"], f_sets[name]["recall@5"]))
    lines.append(f"MRR@10 gains {' '.join(f'{g:+.4f}' for g in gains)}, mean {np.mean(gains):+.4f}")
    for name, pairs in means.items():
        b, f = np.mean(pairs, axis=0)
        lines.append(f"{name}: mean hit@5 {b:.4f} -> {f:.4f}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    from evals.paths import SHARED

    parser = argparse.ArgumentParser(prog="python -m training.compare", description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, default=Path(".regkb-eval"))
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--without", required=True, help="feature names, comma-separated")
    parser.add_argument("--assignments", type=int, default=5)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    rows = collect_rows(args.index, args.shared, args.folds).rows
    names = [n.strip() for n in args.without.split(",") if n.strip()]
    print("\n".join(compare(rows, names, args.assignments, args.folds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
