"""The learned ranker: feature rows from the channels, and a fitted LambdaMART model."""

import json

import numpy as np
import pytest

from regkb import gbm
from regkb.errors import ConfigError
from regkb.ranker import FEATURES, RRF_K, RankerModel, build_candidates, query_context
from regkb.types import Passage


def _passage(pid: str, level: str = "法律", doc: str = "laws/a.md", text: str = "正文") -> Passage:
    return Passage(pid, doc, "r", "标题", "简称", level, "第一条", text)


PASSAGES = {
    "law": _passage("law"),
    "rule": _passage("rule", "内部制度", "internal/b.md", "公司内部规定正文" * 5),
}


def _row(found, pid: str) -> dict[str, float]:
    return dict(zip(FEATURES, found.matrix[found.ids.index(pid)], strict=True))


def test_rows_carry_each_channels_rank_and_score() -> None:
    lists = {
        "bm25": [("law", 12.0), ("rule", 6.0)],
        "e5": [("rule", 0.93), ("law", 0.90)],
        "bogus": [("law", 1)],
    }
    found = build_candidates(lists, PASSAGES, query_context("公司制度怎么规定", ["internal/b.md"]))
    law, rule = _row(found, "law"), _row(found, "rule")
    assert law["rr_bm25"] == pytest.approx(RRF_K / (RRF_K + 1)) and rule["rr_bm25"] == pytest.approx(
        RRF_K / (RRF_K + 2)
    )
    assert rule["gap_bm25"] == pytest.approx(0.5) and law["gap_e5"] == pytest.approx(-0.03)
    assert law["in_use"] == 0.0 and law["n_channels"] == 2  # the unknown channel is ignored
    assert rule["internal_x_own"] == 1.0 and rule["named_doc"] == 1.0 and law["named_other"] == 1.0
    assert rule["level_内部制度"] == 1.0 and law["level_法律"] == 1.0
    assert found.channels[found.ids.index("law")] == ("bm25", "e5")


def test_passages_the_index_does_not_hold_are_not_candidates() -> None:
    found = build_candidates({"bm25": [("gone", 3.0), ("law", 2.0)]}, PASSAGES, query_context("问", []))
    assert found.ids == ["law"]


def _model() -> RankerModel:
    """A real booster that learned: relevant exactly when the BM25 rank feature is high."""
    rng = np.random.default_rng(0)
    x = rng.random((400, len(FEATURES)))
    y = (x[:, FEATURES.index("rr_bm25")] > 0.5).astype(int)
    text = gbm.fit_lambdarank(
        x, y, [20] * 20, {"objective": "lambdarank", "verbose": -1, "num_threads": 1}, 30
    )
    return RankerModel(text, (1.0, 0.0), {"note": "test"})


def test_a_fitted_model_orders_by_what_it_learned_and_round_trips() -> None:
    model = _model()
    rows = np.zeros((2, len(FEATURES)))
    rows[0, FEATURES.index("rr_bm25")] = 0.9
    rows[1, FEATURES.index("rr_bm25")] = 0.1
    scores = model.scores(rows)
    assert scores[0] > scores[1] and all(0.0 < s < 1.0 for s in scores)
    again = RankerModel.from_json(json.loads(json.dumps(model.to_json())))
    assert np.allclose(again.scores(rows), scores)
    assert model.scores(np.zeros((0, len(FEATURES)))).shape == (0,)


def test_a_model_fitted_on_other_features_is_refused() -> None:
    doc = _model().to_json()
    doc["features"] = doc["features"][:-1]
    with pytest.raises(ConfigError, match="make train"):
        RankerModel.from_json(doc)


def test_scoring_does_not_import_scikit_learn_or_pandas_yet_leaves_them_importable() -> None:
    """lightgbm's sklearn / pandas bridges cost most of the cold start; the Booster needs neither."""
    import subprocess
    import sys

    script = (
        "import sys, numpy as np\n"
        "from regkb.gbm import fit_lambdarank, predictor\n"
        "x = np.array([[0.0], [1.0], [0.0], [1.0]] * 5)\n"
        "y = np.array([0, 1, 0, 1] * 5)\n"
        "text = fit_lambdarank(x, y, [2] * 10, {'objective': 'lambdarank', 'verbose': -1,"
        " 'min_data_in_leaf': 1, 'min_data_in_bin': 1}, 5)\n"
        "scores = predictor(text)(np.array([[0.0], [1.0]]))\n"
        "assert scores[1] > scores[0], scores\n"
        "assert 'sklearn' not in sys.modules and 'pandas' not in sys.modules, 'bridge imported'\n"
        "import sklearn, pandas\n"
        "print('ok', sklearn.__name__, pandas.__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("ok sklearn pandas")


def test_named_articles_come_first_then_the_rest_by_score() -> None:
    from regkb.retrieval import named_first

    ids = ["a", "b", "named2", "c", "named1"]
    scores = np.array([0.9, 0.8, 0.1, 0.7, 0.2])
    order = named_first(ids, scores, {"named1", "named2"})
    assert [ids[i] for i in order] == ["named1", "named2", "a", "b", "c"]
    assert named_first(ids, scores, set()) == [0, 1, 3, 4, 2]
