"""The refusal calibration reads each train question's evidence from a ranker fitted without it."""

from __future__ import annotations

import numpy as np
import pytest

from evals.dataset import EvalQuestion
from regkb.errors import ConfigError
from regkb.ranker import FEATURES, RankerModel
from training import refusal
from training.data import TrainQuestion, fold_of
from training.ranker import Rows


def _rows(n: int = 40) -> Rows:
    questions = [
        TrainQuestion(
            "stard-corpus", EvalQuestion(id=f"q{i}", question="问", type="colloquial", answerable=True)
        )
        for i in range(n)
    ]
    group = np.repeat(np.arange(n), 3)
    return Rows(np.zeros((3 * n, len(FEATURES))), np.tile([1, 0, 0], n), group, [], questions)


def test_each_fold_model_is_fitted_without_that_folds_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _rows()
    committed = RankerModel.__new__(RankerModel)
    committed.platt, committed.meta = (2.0, -1.0), {"params": {"num_leaves": 7, "rounds": 11}}
    fitted: list[tuple[np.ndarray, tuple[int, int]]] = []
    monkeypatch.setattr(refusal, "load_model", lambda: committed)
    monkeypatch.setattr(
        refusal, "fit_booster", lambda r, mask, setting: fitted.append((mask, setting)) or "trees"
    )
    monkeypatch.setattr(refusal, "RankerModel", lambda booster, platt, meta: (booster, platt, meta))
    models = refusal.fold_rankers(rows)
    assert len(models) == refusal.FOLDS == len(fitted)
    folds = np.array([fold_of(rows.questions[g].id, refusal.FOLDS) for g in rows.group])
    for f, (mask, setting) in enumerate(fitted):
        assert np.array_equal(mask, folds != f)  # every row but fold f's
        assert setting == (7, 11)
        assert models[f] == ("trees", (2.0, -1.0), {"fold": f})  # the committed Platt scaling


def test_without_a_fitted_ranker_the_refusal_cannot_be_trained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(refusal, "load_model", lambda: None)
    with pytest.raises(ConfigError, match=r"training\.ranker"):
        refusal.fold_rankers(_rows(4))
