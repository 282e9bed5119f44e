"""Refusal: article references, laws the index does not hold, and the calibrated evidence model."""

import json
from pathlib import Path

import numpy as np
import pytest

from regkb.errors import ConfigError
from regkb.lookup import ArticleRef
from regkb.provisions import ProvisionResolver
from regkb.query import QueryPlan
from regkb.refusal import (
    EVIDENCE,
    Calibration,
    RefusalPolicy,
    evidence,
    load_calibration,
    not_indexed_mentions,
)
from regkb.types import Hit, Passage, Ranked

PASSAGE = Passage("p1", "laws/a.md", "r", "中华人民共和国民法典", "民法典", "法律", "第一条", "正文")


def _calibration(threshold: float = 0.5) -> Calibration:
    """P(answer) rises with the top hit's ranker probability alone (coefficient on p1)."""
    coef = np.zeros(len(EVIDENCE))
    coef[EVIDENCE.index("p1")] = 10.0
    return Calibration(np.zeros(len(EVIDENCE)), np.ones(len(EVIDENCE)), coef, -5.0, threshold)


def _ranked(**tops: float) -> Ranked:
    return Ranked({name: [("p1", score)] for name, score in tops.items()})


def _decide(policy: RefusalPolicy, score: float, plan: QueryPlan | None = None, **tops: float):
    ranked = _ranked(**({"e5": 0.9, "use": 0.5, "bm25": 10.0} | tops))
    return policy.decide(
        plan or QueryPlan("问题", "问题"), ranked, [Hit(PASSAGE, score)], ProvisionResolver([PASSAGE])
    )


def test_calibrated_probability_decides_against_its_threshold() -> None:
    policy = RefusalPolicy(_calibration(threshold=0.5))
    low, high = _decide(policy, 0.2), _decide(policy, 0.9)
    assert low.refuse and low.probability is not None and low.probability < 0.5
    assert "置信度" in low.reason
    assert not high.refuse and high.probability is not None and high.probability > 0.5


def test_threshold_is_the_models_own() -> None:
    assert not _decide(RefusalPolicy(_calibration(threshold=0.1)), 0.35).refuse
    assert _decide(RefusalPolicy(_calibration(threshold=0.9)), 0.35).refuse


def test_article_references_decide_before_the_model() -> None:
    policy = RefusalPolicy(_calibration(threshold=0.99))
    ref = ArticleRef("民法典", "第一条", (0, 6))
    plan = QueryPlan("民法典第一条", "民法典第一条", refs=(ref,))
    resolved = policy.decide(
        plan, Ranked({"lookup": [("p1", 1.0)]}), [Hit(PASSAGE, 0.1)], ProvisionResolver([PASSAGE])
    )
    missing = policy.decide(plan, Ranked({"lookup": []}), [Hit(PASSAGE, 0.1)], ProvisionResolver([PASSAGE]))
    assert not resolved.refuse
    assert missing.refuse and "《民法典》第一条" in missing.reason


def test_a_law_the_index_does_not_hold_is_named() -> None:
    decision = _decide(
        RefusalPolicy(_calibration(threshold=0.0)), 0.99, QueryPlan("劳动合同法规定加班费怎么算？", "")
    )
    assert decision.refuse and "劳动合同法" in decision.reason
    assert not_indexed_mentions("劳动合同法规定加班费怎么算？") == ["劳动合同法"]
    assert not_indexed_mentions("民法典第六百八十条怎么规定？") == []


def test_without_the_calibrated_channels_lexical_evidence_decides() -> None:
    policy = RefusalPolicy(_calibration(threshold=0.0))
    ranked = Ranked({"hash": [("p1", 0.9)], "bm25": [("p1", 1.0)]})
    weak = policy.decide(
        QueryPlan("随便问问", "随便问问"), ranked, [Hit(PASSAGE, 0.99)], ProvisionResolver([PASSAGE])
    )
    named = policy.decide(
        QueryPlan("民法典怎么说", "民法典怎么说", documents=("民法典",)),
        ranked,
        [Hit(PASSAGE, 0.99)],
        ProvisionResolver([PASSAGE]),
    )
    assert weak.refuse and not named.refuse


def test_evidence_row_reads_the_channels_and_hits() -> None:
    row = evidence(
        QueryPlan("借款利息", "借款利息"), _ranked(e5=0.91, use=0.4, bm25=np.e - 1), [Hit(PASSAGE, 0.8)]
    )
    values = dict(zip(EVIDENCE, row, strict=True))
    assert values["p1"] == pytest.approx(0.8) and values["p2"] == 0.0
    assert values["e5_top"] == pytest.approx(0.91) and values["use_top"] == pytest.approx(0.4)
    assert values["bm25_log"] == pytest.approx(1.0)


def test_a_broken_calibration_file_names_itself(tmp_path: Path) -> None:
    path = tmp_path / "refusal.json"
    path.write_text(json.dumps({"evidence": ["other"]}), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"refusal\.json"):
        load_calibration(path)
    assert load_calibration(tmp_path / "absent.json") is None


def test_calibration_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "refusal.json"
    model = _calibration(threshold=0.37)
    path.write_text(json.dumps(model.to_json()), encoding="utf-8")
    loaded = load_calibration(path)
    assert loaded is not None and loaded.threshold == pytest.approx(0.37)
    row = np.linspace(0, 1, len(EVIDENCE))
    assert loaded.probability(row) == pytest.approx(model.probability(row))


def test_a_refusal_names_the_words_the_knowledge_base_lacks() -> None:
    ranked = Ranked(
        {"e5": [("p1", 0.9)], "use": [("p1", 0.3)], "bm25": [("p1", 1.0)]}, words=3, unknown=("工伤",)
    )
    decision = RefusalPolicy(_calibration(threshold=0.5)).decide(
        QueryPlan("催收员受伤算工伤吗", ""), ranked, [Hit(PASSAGE, 0.1)], ProvisionResolver([PASSAGE])
    )
    assert decision.refuse and "工伤" in decision.reason
    row = dict(zip(EVIDENCE, evidence(QueryPlan("问", ""), ranked, [Hit(PASSAGE, 0.1)]), strict=True))
    assert row["unknown_share"] == pytest.approx(1 / 3) and row["unknown_count"] == 1.0


HOURS = Passage(
    "p2",
    "internal/a.md",
    "r",
    "示例联系管理规定",
    "示例联系管理规定",
    "内部制度",
    "第五条",
    "第五条 联系借款人的时间为每日9:00至20:00。在此时段以外，不得拨打电话或者发送短信。",
)
OTHER = Passage(
    "p4", "laws/b.md", "r", "示例合同规定", "示例合同规定", "法律", "第一条", "第一条 合同自成立时生效。"
)


def test_a_measured_question_is_answered_below_the_threshold() -> None:
    """The calibrated probability would refuse (top probability 0.1 against 0.5); the hours rule
    measuring the time asked about is a hit, so the question is answered."""
    policy = RefusalPolicy(_calibration())
    plan = QueryPlan("早上七点能打电话吗？", "早上七点能打电话吗？")
    lists = {"e5": [("p2", 0.9)], "use": [("p2", 0.5)], "bm25": [("p2", 10.0)]}
    resolver = ProvisionResolver([HOURS, OTHER])
    measured = Ranked(lists, measuring=("p2",))
    assert not policy.decide(plan, measured, [Hit(OTHER, 0.1), Hit(HOURS, 0.1)], resolver).refuse
    assert policy.decide(plan, measured, [Hit(OTHER, 0.1)], resolver).refuse  # not among the hits
    assert policy.decide(plan, Ranked(lists), [Hit(HOURS, 0.1)], resolver).refuse  # nothing measures it


def test_a_meaning_question_is_answered_when_the_defining_passage_is_a_hit() -> None:
    policy = RefusalPolicy(_calibration())
    plan = QueryPlan("合同是什么意思", "合同是什么意思")
    resolver = ProvisionResolver([OTHER])
    defined = Ranked({"e5": [("p4", 0.9)], "use": [("p4", 0.5)], "bm25": [("p4", 10.0)]}, defining=("p4",))
    assert not policy.decide(plan, defined, [Hit(OTHER, 0.1)], resolver).refuse
    undefined = Ranked({"e5": [("p4", 0.9)], "use": [("p4", 0.5)], "bm25": [("p4", 10.0)]})
    assert policy.decide(plan, undefined, [Hit(OTHER, 0.1)], resolver).refuse
