"""Compare the ranker with and without some features, paired over several fold assignments.

    python -m training.compare --index .regkb-eval --without cos_e5a,gap_e5a,rank_e5a [--assignments 5]
        [--book-index DIR]

One cross-validated figure moves with the fold assignment and with the features' last digits
(refitting on query vectors that moved by cosine 1e-5 moved MRR@10 between 0.654 and 0.664), so
a change of a few thousandths is noise. This fits the committed LambdaMART settings on the
train splits' rows (training/ranker.py) under `assignments` other fold assignments (salts 1..n),
each with every feature and with the named ones zeroed (a constant column is never split on, as
if removed), and prints each pair's cross-validated figures, the MRR@10 gains and each set's mean
hit@5. Train-split figures: tuning figures, not validation.

With --book-index (an index built by `regkb ingest --statutes all corpus ../shared/corpus`), the
STARD train questions are also run on the statute book (sets `book:stard-corpus`, and
`book:stard-book` for those whose articles are outside ../shared/corpus), each with a question
memory of every train question outside its fold, and scored by the models fitted on the usual
rows only: how a change carries to the book the committed ranker never trains on.
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
from training.data import RETRIEVAL_SETS, TrainQuestion, train_questions
from training.memory import embed_questions, fold_memories
from training.ranker import (
    BOOK_MEMORY_SETS,
    SETTINGS,
    Rows,
    collect,
    collect_rows,
    cross_validate,
    per_set,
    ranking_metrics,
    training_engine,
)

STARD_SETS = ("stard-corpus", *BOOK_MEMORY_SETS)
BOOK = "book:"  # the set names of the questions run on the statute book start with it


def check_features(names: Sequence[str]) -> None:
    """Every name is one of the ranker's features (regkb.ranker.FEATURES)."""
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise ConfigError(
            f"--without: unknown features {', '.join(unknown)} (regkb.ranker.FEATURES names them)"
        )


def without(rows: Rows, names: Sequence[str]) -> Rows:
    """The same rows with the named feature columns zeroed."""
    check_features(names)
    x = rows.x.copy()
    x[:, [FEATURES.index(n) for n in names]] = 0.0
    return replace(rows, x=x)


def book_rows(index: Path, shared: Path, folds: int) -> Rows:
    """The STARD train questions run on a statute-book index (sets prefixed BOOK), each with a
    question memory of every train question, the statute-book ones too, outside its fold."""
    engine, embedder = training_engine(index)
    questions = train_questions(shared, sets=RETRIEVAL_SETS + BOOK_MEMORY_SETS)
    memories = fold_memories(embedder, questions, embed_questions(embedder, questions), folds)
    asked = [TrainQuestion(f"{BOOK}{q.set}", q.question) for q in questions if q.set in STARD_SETS]
    return collect(engine, asked, memories, folds)


def joined(first: Rows, second: Rows) -> Rows:
    """Both sets of rows as one (question indices of the second moved past the first's)."""
    return Rows(
        np.vstack([first.x, second.x]),
        np.concatenate([first.y, second.y]),
        np.concatenate([first.group, second.group + len(first.questions)]),
        first.article + second.article,
        first.questions + second.questions,
    )


def figures(
    rows: Rows, salt: str, folds: int, fitted: np.ndarray | None = None
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Cross-validated figures over the rows models are fitted on, and per set over every row."""
    scores = cross_validate(rows, SETTINGS[0], folds, salt, fitted)
    overall = np.ones(len(rows.y), dtype=bool) if fitted is None else fitted
    sets = per_set(rows, scores)
    book = np.array([rows.questions[g].set.startswith(BOOK) for g in rows.group])
    if book.any():
        sets[f"{BOOK} every STARD question"] = ranking_metrics(rows, scores, book)
    return ranking_metrics(rows, scores, overall), sets


def compare(
    rows: Rows, names: Sequence[str], assignments: int, folds: int, fitted: np.ndarray | None = None
) -> list[str]:
    """Report lines: each assignment's pair, the MRR@10 gains, each set's mean hit@5 both ways
    (fitted: the rows models are fitted on and the overall figures cover; default all)."""
    base = without(rows, names)
    lines, gains = [], []
    means: dict[str, list[tuple[float, float]]] = {}
    for salt in (str(i) for i in range(1, assignments + 1)):
        b_all, b_sets = figures(base, salt, folds, fitted)
        f_all, f_sets = figures(rows, salt, folds, fitted)
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
    parser.add_argument(
        "--book-index", type=Path, help="a statute-book index: report its STARD questions too"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    names = [n.strip() for n in args.without.split(",") if n.strip()]
    check_features(names)  # before the long collection
    rows = collect_rows(args.index, args.shared, args.folds).rows
    fitted = None
    if args.book_index is not None:
        usual = len(rows.y)
        rows = joined(rows, book_rows(args.book_index, args.shared, args.folds))
        fitted = np.arange(len(rows.y)) < usual
    print("\n".join(compare(rows, names, args.assignments, args.folds, fitted)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
