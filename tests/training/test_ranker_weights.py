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


def test_cross_validated_figures_rank_the_named_article_first_as_the_engine_does() -> None:
    from regkb.ranker import FEATURES

    x = np.zeros((3, len(FEATURES)))
    x[2, FEATURES.index("in_lookup")] = 1.0  # the article the question names, scored lowest
    rows = Rows(x, np.array([0, 0, 1]), np.zeros(3, dtype=int), [("d", "a"), ("d", "b"), ("d", "c")],
                [_question("internal", "i1")])  # fmt: skip
    figures = ranker.ranking_metrics(rows, np.array([0.9, 0.8, 0.1]), np.ones(3, dtype=bool))
    assert figures["mrr@10"] == 1.0 and figures["recall@5"] == 1.0
    x[2, FEATURES.index("in_lookup")] = 0.0
    assert ranker.ranking_metrics(rows, np.array([0.9, 0.8, 0.1]), np.ones(3, dtype=bool))["mrr@10"] == 1 / 3
