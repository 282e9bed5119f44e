"""The ranker's training rows: questions of a weighted set count more in the loss."""

from __future__ import annotations

import numpy as np
import pytest

from evals.dataset import EvalQuestion
from training import ranker
from training.data import TrainQuestion
from training.ranker import Rows, weighted


def _question(set_name: str, qid: str) -> TrainQuestion:
    return TrainQuestion(
        set_name, EvalQuestion(id=qid, question=f"问题{qid}", type="colloquial", answerable=True)
    )


@pytest.mark.parametrize("repeat", [1, 2, 3])
def test_weighted_questions_are_repeated_and_the_mask_is_respected(
    repeat: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ranker, "SET_WEIGHTS", {"internal": repeat})
    questions = [
        _question("stard-corpus", "s1"),
        _question("internal", "i1"),
        _question("stard-corpus", "s2"),
    ]
    group = np.array([0, 0, 1, 1, 1, 2])
    rows = Rows(np.arange(6, dtype=float).reshape(6, 1), np.array([1, 0, 0, 1, 0, 1]), group, [], questions)
    mask = group != 2  # s2 is in the held-out fold
    x, y, sizes = weighted(rows, mask)
    assert sizes == [2] + [3] * repeat
    assert x[:, 0].tolist() == [0, 1] + [2, 3, 4] * repeat
    assert y.tolist() == [1, 0] + [0, 1, 0] * repeat
