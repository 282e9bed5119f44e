"""Fit the refusal calibration (regkb/refusal.py) on the train splits.

    python -m training.refusal --index .regkb-eval

Every train question (answerable, and the out-of-scope ones) runs through the real engine
with an out-of-fold ranker and question memory (fitted without the question's fold: the
committed ranker was fitted on these very questions and scores them higher than it scores a
new one, mean top probability 0.574 against 0.509); its evidence row is labelled 1
when the knowledge base answers it and 0 when it is out of scope. A class-balanced logistic
regression turns the row into P(answered). The threshold is the highest one whose
cross-validated false refusals on the answerable train questions stay within MAX_FALSE_REFUSALS;
the figures it reaches on the train splits (tuning figures) are stored with the model.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from regkb.errors import ConfigError
from regkb.ranker import RankerModel, load_model
from regkb.refusal import EVIDENCE, MODEL_PATH, Calibration
from training.data import TrainQuestion, fold_of, train_questions
from training.ranker import Rows, collect_rows, digest, fit_booster

log = logging.getLogger(__name__)
MAX_FALSE_REFUSALS = 0.03
FOLDS = 5


def fit(x: np.ndarray, y: np.ndarray) -> Calibration:
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit((x - mean) / scale, y)
    return Calibration(mean, scale, model.coef_[0], float(model.intercept_[0]), 0.5)


def out_of_fold(x: np.ndarray, y: np.ndarray, folds: np.ndarray) -> np.ndarray:
    p = np.zeros(len(y))
    for f in range(FOLDS):
        test = folds == f
        model = fit(x[~test], y[~test])
        p[test] = [model.probability(row) for row in x[test]]
    return p


def pick_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The highest threshold refusing at most MAX_FALSE_REFUSALS of the answerable questions."""
    answerable = np.sort(p[y == 1])
    allowed = int(np.floor(MAX_FALSE_REFUSALS * len(answerable)))
    return float(answerable[allowed]) if len(answerable) else 0.5


def fold_rankers(rows: Rows) -> list[RankerModel]:
    """The committed ranker refitted on the train rows without each fold (its own settings and
    Platt scaling, the ranker's cross-validation folds), so a train question's evidence holds
    out-of-sample scores."""
    committed = load_model()
    if committed is None:
        raise ConfigError(
            "regkb/data/ranker.json missing: run `python -m training.ranker` before the refusal"
        )
    params = committed.meta.get("params")
    if not isinstance(params, dict):
        raise ConfigError(
            "regkb/data/ranker.json: no fitted settings in meta.params; run `python -m training.ranker`"
        )
    setting = (int(params["num_leaves"]), int(params["rounds"]))
    fold = np.array([fold_of(rows.questions[g].id, FOLDS) for g in rows.group])
    return [
        RankerModel(fit_booster(rows, fold != f, setting), committed.platt, {"fold": f}) for f in range(FOLDS)
    ]


def evidence_rows(index: Path, shared: Path, questions: Sequence[TrainQuestion]) -> np.ndarray:
    """Each question's evidence row, read with an out-of-fold question memory and ranker (the
    ranker's training engine and memories: one engine and one e5 embedder load for both)."""
    got = collect_rows(index, shared, FOLDS)
    rankers = fold_rankers(got.rows)
    rows = []
    for q in questions:
        got.engine.use_memory(got.memories[fold_of(q.id, FOLDS)])
        got.engine.use_ranker(rankers[fold_of(q.id, FOLDS)])
        rows.append(got.engine.refusal_evidence(q.question.question))
    return np.vstack(rows)


def train(index: Path, shared: Path, out: Path) -> dict:
    questions = [q for q in train_questions(shared) if not q.question.answerable or q.question.gold]
    x = evidence_rows(index, shared, questions)
    y = np.array([q.question.answerable for q in questions], dtype=np.int8)
    folds = np.array([fold_of(q.id, FOLDS) for q in questions])
    oof = out_of_fold(x, y, folds)
    threshold = pick_threshold(oof, y)
    for share in (0.01, 0.02, 0.03, 0.05):
        at = float(np.sort(oof[y == 1])[int(share * (y == 1).sum())])
        print(
            f"false refusals ≤ {share:.0%}: threshold {at:.3f} refuses {np.mean(oof[y == 0] < at):.0%} out of scope"
        )
    model = fit(x, y)
    sets = np.array([q.set for q in questions])
    figures = {
        name: {
            "questions": int((sets == name).sum()),
            "refused_answerable": float(np.mean(oof[(sets == name) & (y == 1)] < threshold))
            if ((sets == name) & (y == 1)).any()
            else None,
            "refused_out_of_scope": float(np.mean(oof[(sets == name) & (y == 0)] < threshold))
            if ((sets == name) & (y == 0)).any()
            else None,
        }
        for name in sorted(set(sets))
    }
    meta = {
        "trained_by": "python -m training.refusal",
        "questions": len(questions),
        "out_of_scope": int((y == 0).sum()),
        "question_ids_sha": digest(questions),
        "max_false_refusals": MAX_FALSE_REFUSALS,
        "evidence_ranker": "out of fold: the committed ranker's settings refitted without each question's fold",
        "cv_train_figures": {
            "note": "cross-validated on the TRAIN splits (tuning figures)",
            "per_set": figures,
        },
    }
    calibrated = Calibration(model.mean, model.scale, model.coef, model.intercept, threshold, meta)
    out.write_text(json.dumps(calibrated.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return meta


def main(argv: Sequence[str] | None = None) -> int:
    from evals.paths import SHARED

    parser = argparse.ArgumentParser(prog="python -m training.refusal", description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, default=Path(".regkb-eval"))
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    meta = train(args.index, args.shared, args.out)
    print(json.dumps(meta, ensure_ascii=False, indent=1))
    print("evidence:", ", ".join(EVIDENCE))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
