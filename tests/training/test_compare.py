"""training.compare: the ranker with and without some features, paired over fold assignments."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from evals.dataset import EvalQuestion
from regkb.errors import ConfigError
from regkb.ranker import FEATURES
from training.compare import compare, figures, joined, without
from training.data import TrainQuestion, fold_of
from training.ranker import Rows


def _rows(questions: int = 60, per: int = 8, seed: int = 0) -> Rows:
    """Candidates whose relevant one is told apart only by the adapted cosine (cos_e5a)."""
    rng = np.random.default_rng(seed)
    x = rng.random((questions * per, len(FEATURES))).astype(np.float32)
    y = np.zeros(questions * per, dtype=np.int8)
    y[np.arange(questions) * per + rng.integers(0, per, questions)] = 1
    x[:, FEATURES.index("cos_e5a")] = 0.5 * rng.random(len(y)) + 0.5 * y
    sets = ("stard-corpus", "internal")
    qs = [
        TrainQuestion(
            sets[i % 2], EvalQuestion(id=f"q{i}", question="问", type="colloquial", answerable=True)
        )
        for i in range(questions)
    ]
    group = np.repeat(np.arange(questions), per)
    articles = [(f"d{g}", f"第{j}条") for g in range(questions) for j in range(per)]
    return Rows(x, y, group, articles, qs)


def test_zeroing_the_informative_feature_shows_as_a_gain_in_every_assignment() -> None:
    lines = compare(_rows(), ["cos_e5a", "gap_e5a", "rank_e5a"], assignments=2, folds=3)
    gains = [float(g) for g in lines[2].split("gains ")[1].split(",")[0].split()]
    assert len(gains) == 2 and min(gains) > 0.2
    assert lines[0].startswith("assignment 1:") and any(
        line.startswith("internal: mean hit@5") for line in lines
    )


def test_without_zeroes_only_the_named_columns_and_refuses_unknown_names() -> None:
    rows = _rows(questions=4)
    bare = without(rows, ["cos_e5a"])
    column = FEATURES.index("cos_e5a")
    assert not bare.x[:, column].any() and rows.x[:, column].any()  # the original is untouched
    others = [i for i in range(len(FEATURES)) if i != column]
    assert np.array_equal(bare.x[:, others], rows.x[:, others])
    with pytest.raises(ConfigError, match="unknown features nope"):
        without(rows, ["nope"])


def test_the_default_fold_assignment_is_the_committed_one_and_salts_give_others() -> None:
    ids = [f"q{i}" for i in range(200)]
    expected = [int.from_bytes(hashlib.sha256(f"fold:{q}".encode()).digest()[:4], "big") % 5 for q in ids]
    assert [fold_of(q, 5) for q in ids] == expected
    assert [fold_of(q, 5, "1") for q in ids] != expected


def test_book_rows_are_scored_by_models_fitted_on_the_usual_rows_only() -> None:
    """--book-index: the statute book's rows are scored, never fitted on. Here they follow the
    opposite rule (the relevant candidate has the lowest cos_e5a), so a model fitted on the usual
    rows alone misses them, and the overall figures cover the usual rows only."""
    usual = _rows(questions=40)
    book = _rows(questions=40, seed=1)
    book.x[:, FEATURES.index("cos_e5a")] = 1.0 - book.x[:, FEATURES.index("cos_e5a")]
    book.questions[:] = [
        TrainQuestion(
            f"book:{q.set}", EvalQuestion(id=f"b{q.id}", question="问", type="colloquial", answerable=True)
        )
        for q in book.questions
    ]
    rows = joined(usual, book)
    assert len(rows.questions) == 80 and rows.group.max() == 79
    fitted = np.arange(len(rows.y)) < len(usual.y)
    overall, sets = figures(rows, "1", 3, fitted)
    assert overall["questions"] == 40 and overall["recall@5"] > 0.9
    assert sets["book: every STARD question"]["recall@5"] < 0.5
    assert sets["book:stard-corpus"]["questions"] == 20
