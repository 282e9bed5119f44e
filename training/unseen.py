"""Cross-validation in which each fold's company policies are documents no training question cites.

    python -m training.unseen --index .regkb-eval [--without FEATURES] [--assignments 3]

The usual cross-validation (training/ranker.py) folds questions by a hash of their id, so a
question about 示例催收作业管理办法 meets, in the question memory and in the ranker's data, other
questions about the same policy. A customer's own policy has no such questions. Here every policy
(a document under the `internal/` root of the question sets' gold) belongs to one fold; a fold's
questions are those citing its policies (the rest by the usual hash), and neither the question
memory its features are read with nor the ranker that scores it holds any question citing them.
The figures for internal questions are then those of a policy the project has never met.

With --without, each assignment is also run with the named features zeroed, paired, as
training.compare does. Train-split figures: tuning figures, not validation.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from regkb import gbm
from regkb.embedders import Embedder
from training.compare import check_features, without
from training.data import TrainQuestion, fold_of, train_questions
from training.memory import build_memory, embed_questions
from training.ranker import SETTINGS, Rows, collect, fit_booster, per_set, ranking_metrics, training_engine

POLICY_ROOT = "internal/"  # where the question sets' gold names company policies


def policies(question: TrainQuestion) -> list[str]:
    """The company policies a question's gold or acceptable articles are in, sorted."""
    return sorted({ref.doc for ref in question.expected if ref.doc.startswith(POLICY_ROOT)})


@dataclass(frozen=True, slots=True)
class PolicyFolds:
    """Each question's fold, and per fold the questions its memory and ranker must not see."""

    fold: dict[str, int]  # question id -> fold
    hidden: list[frozenset[str]]  # fold -> ids of questions in it or citing any of its policies


def policy_folds(questions: Sequence[TrainQuestion], folds: int, salt: str = "") -> PolicyFolds:
    """Policies dealt round-robin to folds in an order set by a hash (another salt, another deal);
    a question citing policies belongs to its first policy's fold, any other by the usual hash."""
    cited = {q.id: policies(q) for q in questions}
    docs = sorted(
        {doc for found in cited.values() for doc in found},
        key=lambda doc: hashlib.sha256(f"policy{salt}:{doc}".encode()).hexdigest(),
    )
    dealt = {doc: i % folds for i, doc in enumerate(docs)}
    fold = {qid: dealt[found[0]] if found else fold_of(qid, folds, salt) for qid, found in cited.items()}
    hidden = [
        frozenset(qid for qid, found in cited.items() if fold[qid] == f or any(dealt[d] == f for d in found))
        for f in range(folds)
    ]
    return PolicyFolds(fold, hidden)


@dataclass(frozen=True, slots=True)
class Asked:
    """The train questions with what their rows are read with: the training engine, the e5
    embedder of the question memory and the questions' vectors."""

    engine: object  # regkb.engine.Engine
    embedder: Embedder
    questions: list[TrainQuestion]
    vectors: np.ndarray


def policy_rows(asked: Asked, folds: int, salt: str) -> tuple[Rows, PolicyFolds]:
    """The train questions' rows, each read with a memory holding no question its fold hides."""
    deal = policy_folds(asked.questions, folds, salt)
    memories = [
        build_memory(
            asked.embedder,
            asked.questions,
            asked.vectors,
            [q.id not in deal.hidden[f] for q in asked.questions],
        )
        for f in range(folds)
    ]
    return collect(asked.engine, asked.questions, memories, folds, deal.fold), deal


def policy_scores(rows: Rows, deal: PolicyFolds, folds: int) -> np.ndarray:
    """Out-of-fold tree scores: fold f's rows scored by a model fitted on no question fold f hides."""
    ids = [q.id for q in rows.questions]
    fold = np.array([deal.fold[ids[g]] for g in rows.group])
    scores = np.zeros(len(rows.y))
    for f in range(folds):
        seen = np.array([ids[g] not in deal.hidden[f] for g in rows.group])
        test = fold == f
        scores[test] = gbm.predictor(fit_booster(rows, seen, SETTINGS[0]))(rows.x[test])
    return scores


def report(asked: Asked, names: Sequence[str], assignments: int, folds: int) -> list[str]:
    """Each assignment's overall figures (with every feature, then without `names`), and each
    set's mean hit@5 over the assignments."""
    lines: list[str] = []
    means: dict[str, list[tuple[float, ...]]] = {}
    for salt in (str(i) for i in range(1, assignments + 1)):
        rows, deal = policy_rows(asked, folds, salt)
        variants = [rows, without(rows, names)] if names else [rows]
        scored = [(r, policy_scores(r, deal, folds)) for r in variants]
        overall = [ranking_metrics(r, scores, np.ones(len(r.y), dtype=bool)) for r, scores in scored]
        sets = [per_set(r, scores) for r, scores in scored]
        lines.append(
            f"assignment {salt}: "
            + " | ".join(f"hit@5 {o['recall@5']:.4f} MRR@10 {o['mrr@10']:.4f}" for o in overall)
        )
        for name in sets[0]:
            means.setdefault(name, []).append(tuple(s[name]["recall@5"] for s in sets))
    heading = "mean hit@5 (with every feature" + (f" | without {', '.join(names)})" if names else ")")
    lines.append(heading)
    lines += [
        f"{name}: {' | '.join(f'{v:.4f}' for v in np.mean(pairs, axis=0))}" for name, pairs in means.items()
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    from evals.paths import SHARED

    parser = argparse.ArgumentParser(prog="python -m training.unseen", description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, default=Path(".regkb-eval"))
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--without", default="", help="feature names, comma-separated (paired runs)")
    parser.add_argument("--assignments", type=int, default=3)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    names = [n.strip() for n in args.without.split(",") if n.strip()]
    check_features(names)  # before the long runs
    engine, embedder = training_engine(args.index)
    questions = train_questions(args.shared)
    asked = Asked(engine, embedder, questions, embed_questions(embedder, questions))
    print("\n".join(report(asked, names, args.assignments, args.folds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
