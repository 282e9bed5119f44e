"""Every metric against cases computed by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import math

import pytest

from evals import metrics as m
from evals.metrics import Ref

PIPL = "中华人民共和国个人信息保护法"
G1 = Ref("laws/pipl.md", "第十四条", PIPL, "个人信息保护法")
G2 = Ref("laws/civil-code.md", "第一千零三十二条", "中华人民共和国民法典", "民法典")
A1 = Ref("laws/pipl.md", "第十条", PIPL, "个人信息保护法")
X = Ref("laws/civil-code.md", "第六百七十五条", "中华人民共和国民法典", "民法典")
Y = Ref("laws/civil-code.md", "第六百七十四条", "中华人民共和国民法典", "民法典")
LOG3 = math.log2(3)  # discount at rank 2


# --- reference matching ---------------------------------------------------------------


def test_same_doc_same_article_matches_and_other_article_does_not():
    assert m.ref_matches(Ref("laws/pipl.md", "第十四条"), G1)
    assert not m.ref_matches(Ref("laws/pipl.md", "第十三条"), G1)


def test_other_root_matches_by_title_or_short_title():
    assert m.ref_matches(Ref("mirror/pipl-copy.md", "第十四条", PIPL, ""), G1)
    assert m.ref_matches(Ref("", "第十四条", "", "个人信息保护法"), G1)
    # a baseline that knows only the law name and writes the number in Arabic numerals
    assert m.ref_matches(Ref("", "第14条", PIPL), G1)


def test_other_doc_with_other_names_does_not_match():
    assert not m.ref_matches(Ref("laws/other.md", "第十四条", "中华人民共和国网络安全法", "网络安全法"), G1)
    assert not m.ref_matches(Ref("laws/other.md", "第十四条"), G1)  # no names to fall back on


# --- recall, strict recall, MRR --------------------------------------------------------


def test_recall_at_k_counts_gold_or_acceptable_within_k():
    retrieved = [X, Y, A1, G1]
    assert m.recall_at_k(retrieved, [G1], [A1], 1) == 0.0
    assert m.recall_at_k(retrieved, [G1], [A1], 3) == 1.0  # A1 at rank 3 is enough
    assert m.recall_at_k(retrieved, [G1], [], 3) == 0.0  # without A1 acceptable, G1 is rank 4


def test_recall_is_none_without_references():
    assert m.recall_at_k([X], [], [], 5) is None
    assert m.mrr_at_k([X], [], [], 10) is None
    assert m.ndcg_at_k([X], [], [], 10) is None


def test_strict_recall_needs_the_first_gold_reference():
    assert m.strict_recall_at_k([G2, A1, X], [G1, G2], 5) == 0.0  # G2 is gold but not first
    assert m.strict_recall_at_k([X, Y, A1, X, G1], [G1, G2], 5) == 1.0
    assert m.strict_recall_at_k([X, Y, A1, X, Y, G1], [G1, G2], 5) == 0.0  # rank 6
    assert m.strict_recall_at_k([G1], [], 5) is None


def test_gold_recall_is_the_share_of_gold_found_and_ignores_acceptable():
    assert m.gold_recall_at_k([G2, A1, X], [G1, G2], 5) == 0.5  # 1 of 2 gold
    assert m.gold_recall_at_k([A1, X, Y], [G1, G2], 5) == 0.0  # acceptable alone earns nothing
    assert m.gold_recall_at_k([G1, G1, X, Y, G2], [G1, G2], 5) == 1.0
    assert m.gold_recall_at_k([G1, X, Y, X, Y, G2], [G1, G2], 5) == 0.5  # G2 at rank 6
    assert m.gold_recall_at_k([G1], [G1, G1], 5) == 1.0  # a duplicated gold counts once
    assert m.gold_recall_at_k([G1], [], 5) is None


def test_mrr_is_reciprocal_rank_of_first_relevant():
    assert m.mrr_at_k([X, Y, A1, G1], [G1], [A1], 10) == pytest.approx(1 / 3)
    assert m.mrr_at_k([G1, A1], [G1], [A1], 10) == 1.0
    assert m.mrr_at_k([X] * 10 + [G1], [G1], [], 10) == 0.0  # rank 11 is outside @10


def test_duplicate_passages_of_one_article_take_ranks():
    # two parts of the same wrong article push the hit to rank 3
    assert m.mrr_at_k([X, X, G1], [G1], [], 10) == pytest.approx(1 / 3)


# --- nDCG ------------------------------------------------------------------------------


def test_ndcg_graded_gold_two_acceptable_one():
    # DCG = 1/log2(3) (A1 at 2) + 2/log2(4) (G1 at 3) = 0.6309 + 1.0
    # IDCG = 2/log2(2) + 1/log2(3) = 2.6309
    assert m.ndcg_at_k([X, A1, G1], [G1], [A1], 10) == pytest.approx((1 / LOG3 + 1.0) / (2 + 1 / LOG3))
    assert m.ndcg_at_k([G1, A1], [G1], [A1], 10) == pytest.approx(1.0)


def test_ndcg_counts_a_duplicate_once():
    # DCG = 2 (G1) + 0 (G1 again) + 1/log2(4) (A1 at 3) = 2.5 ; IDCG = 2 + 1/log2(3)
    value = m.ndcg_at_k([G1, G1, A1], [G1], [A1], 10)
    assert value == pytest.approx(2.5 / (2 + 1 / LOG3))
    assert value is not None and value < 1.0


def test_ndcg_duplicate_reference_in_the_list_counts_once_in_ideal():
    # gold lists G1 twice and also as acceptable: one reference of grade 2, IDCG = 2
    assert m.ndcg_at_k([G1], [G1, G1], [G1], 10) == pytest.approx(1.0)


def test_ndcg_acceptable_only_hit():
    # DCG = 1 ; IDCG = 2 + 1/log2(3)
    assert m.ndcg_at_k([A1], [G1], [A1], 10) == pytest.approx(1 / (2 + 1 / LOG3))
    assert m.recall_at_k([A1], [G1], [A1], 1) == 1.0
    assert m.strict_recall_at_k([A1], [G1], 5) == 0.0


def test_ndcg_ideal_truncated_at_k():
    # three gold refs, k=2: IDCG = 2 + 2/log2(3); hit G2 at rank 2 -> DCG = 2/log2(3)
    g3 = Ref("laws/pipl.md", "第六条", PIPL)
    value = m.ndcg_at_k([X, G2, g3], [G1, G2, g3], [], 2)
    assert value == pytest.approx((2 / LOG3) / (2 + 2 / LOG3))


# --- citations ---------------------------------------------------------------------------


def test_citation_precision_over_distinct_cited():
    assert m.citation_precision([G1, A1, X], [G1], [A1]) == pytest.approx(2 / 3)
    assert m.citation_precision([G1, G1, X], [G1], []) == pytest.approx(1 / 2)  # G1 once
    assert m.citation_precision([], [G1], []) is None


def test_citation_recall_over_distinct_gold():
    assert m.citation_recall([G1, A1], [G1, G2]) == pytest.approx(1 / 2)
    assert m.citation_recall([A1], [G1]) == 0.0  # acceptable does not count for recall
    assert m.citation_recall([G1], []) is None


INDEX = {
    (
        "laws/pipl.md",
        "第十四条",
    ): "基于个人同意处理个人信息的，该同意应当由个人在充分知情的前提下自愿、明确作出。"
}


def _checker(ref: Ref, quote: str) -> bool:
    text = INDEX.get((ref.doc, ref.article))
    return text is not None and quote in text


def test_citation_validity_checks_label_and_verbatim_quote():
    good = (G1, "该同意应当由个人在充分知情的前提下")
    altered = (G1, "该同意应当由个人在完全知情的前提下")  # one character changed
    missing = (Ref("laws/pipl.md", "第九百条"), "任意")
    assert m.citation_validity([good], _checker) == 1.0
    assert m.citation_validity([good, altered, missing], _checker) == pytest.approx(1 / 3)
    assert m.citation_failures([good, altered, missing], _checker) == [altered, missing]
    assert m.citation_validity([], _checker) is None


# --- key points ---------------------------------------------------------------------------


def test_bigrams_do_not_span_punctuation():
    assert m.cjk_bigrams("隐私权，任何") == {"隐私", "私权", "任何"}
    assert m.cjk_bigrams("第3条 甲") == {"第", "条", "甲"}  # one-character runs stay


def test_key_point_covered_at_half_of_bigrams():
    point = "自然人享有隐私权"  # 自然 然人 人享 享有 有隐 隐私 私权 : 7 bigrams
    # support shares 自然 然人 隐私 私权 : 4/7 >= 0.5
    assert m.key_point_covered(point, "自然人的隐私权受保护")
    # support shares 隐私 私权 : 2/7 < 0.5
    assert not m.key_point_covered(point, "隐私权")


def test_key_point_threshold_boundary_is_inclusive():
    assert m.key_point_covered("甲乙丙", "甲乙")  # 1 of 2 bigrams = 0.5
    assert not m.key_point_covered("甲乙丙", "甲丙")  # 0 of 2
    assert not m.key_point_covered("ABC", "ABC")  # no CJK: never covered


def test_key_point_coverage_uses_answer_and_quotes():
    points = ["自然人享有隐私权", "处三年以下有期徒刑"]
    assert m.key_point_coverage(points, "自然人享有隐私权。") == pytest.approx(0.5)
    assert m.key_point_coverage(points, "", ["自然人享有隐私权", "处三年以下有期徒刑、拘役"]) == 1.0
    assert m.key_point_coverage([], "任何") is None


# --- behaviour ---------------------------------------------------------------------------


def test_verdict_mapping():
    assert m.verdict_correct("unlawful", "违规风险") == 1.0
    assert m.verdict_correct("lawful", "需复核") == 1.0
    assert m.verdict_correct("lawful", "未发现明显冲突") == 1.0
    assert m.verdict_correct("lawful", "违规风险") == 0.0
    assert m.verdict_correct("unlawful", "未发现明显冲突") == 0.0
    assert m.verdict_correct(None, "违规风险") is None
    assert m.verdict_correct("lawful", None) is None
    assert m.verdict_correct("depends", "需复核") == 1.0  # depends ↔ 需复核 only
    assert m.verdict_correct("depends", "违规风险") == 0.0
    assert m.verdict_correct("depends", "未发现明显冲突") == 0.0


def test_conclusion_accuracy():
    assert m.conclusion_correct("不可以", "不可以") == 1.0
    assert m.conclusion_correct("有条件可以", "可以") == 0.0
    assert m.conclusion_correct("可以", None) == 0.0  # no label on a labelled question is wrong
    assert m.conclusion_correct(None, "可以") is None  # unlabelled questions are not scored


def test_refusal_and_false_refusal_apply_to_their_own_questions():
    assert m.refusal_correct(False, True) == 1.0
    assert m.refusal_correct(False, False) == 0.0
    assert m.refusal_correct(True, True) is None
    assert m.false_refusal(True, True) == 1.0
    assert m.false_refusal(True, False) == 0.0
    assert m.false_refusal(False, True) is None


def test_percentile_linear_interpolation():
    values = [40.0, 10.0, 30.0, 20.0]
    assert m.percentile(values, 50) == pytest.approx(25.0)
    assert m.percentile(values, 95) == pytest.approx(38.5)  # pos 2.85: 30 + 0.85 * 10
    assert m.percentile([7.0], 95) == 7.0
    assert m.percentile([], 50) is None


def test_mean_skips_none():
    assert m.mean([1.0, None, 0.0]) == (0.5, 2)
    assert m.mean([None]) == (None, 0)
