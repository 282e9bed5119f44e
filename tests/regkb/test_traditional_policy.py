"""A policy written in traditional characters is parsed, found and cited as a simplified one is.

tests/fixtures/traditional holds such a policy, of a company the project has never met, with no
manifest entry. Before, its 第一條 labels opened no article (the whole file was one 全文 passage), its
title said nothing the level inference reads (守則, not 守则), and neither a lookup nor BM25 matched a
question, which is read in simplified characters.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from regkb.script import is_traditional, simplified_shadow
from regkb.structure import parse
from tests.conftest import REPO, engine_beside_corpus

POLICY = REPO / "tests" / "fixtures" / "traditional" / "field-visit-rules.txt"


@pytest.fixture(scope="module")
def engine(hash_index: Path, tmp_path_factory: pytest.TempPathFactory):
    return engine_beside_corpus(
        hash_index, tmp_path_factory.mktemp("traditional") / "index", POLICY, dense=("hash",)
    )


def _passages(engine) -> dict[str, object]:
    (doc,) = [d for d in engine.documents() if d.doc_id.endswith(POLICY.name)]
    return {p.article: p for p in engine.passages_of(doc.doc_id) if p.article}


def test_a_traditional_body_is_parsed_from_its_shadow_and_cut_as_written() -> None:
    text = POLICY.read_text(encoding="utf-8")
    provisions = [p for p in parse(text) if p.label]
    assert [p.label for p in provisions] == [f"第{n}条" for n in "一二三四五六七八"]
    fourth = provisions[3]
    assert (
        fourth.text.startswith("第四條 上門催收人員不得少於兩人")
        and fourth.text == text[fourth.start : fourth.end]
    )
    assert fourth.heading_path == ("第二章 上门安排",)


def test_the_shadow_keeps_every_offset_and_simplified_text_is_not_traditional() -> None:
    text = "第三條 上門催收須事先填寫《外勤登記表》"
    shadow = simplified_shadow(text)
    assert shadow == "第三条 上门催收须事先填写《外勤登记表》" and len(shadow) == len(text)
    assert is_traditional(text) and not is_traditional(shadow)
    assert not is_traditional("第十条 催收人员主动联系催收对象的时间为每日8:00至21:00。")


def test_the_policy_is_a_company_rule_of_its_issuer(engine) -> None:
    fourth = _passages(engine)["第四条"]
    assert fourth.level == "内部制度" and fourth.issuer == "澤遠財務有限公司"
    assert fourth.text.startswith("第四條")  # stored as written


@pytest.mark.parametrize("question", ["上门催收守则第三条是什么？", "上門催收守則第三條是什麼？"])
def test_a_lookup_in_either_script_cites_the_article_verbatim(engine, question: str) -> None:
    answer = engine.ask(question)
    assert not answer.refused
    top = answer.citations[0]
    assert top.passage.doc_id.endswith(POLICY.name) and top.passage.article == "第三条"
    assert "《外勤登記表》" in top.quote and top.quote in top.passage.text


def test_bm25_ranks_it_first_for_a_simplified_question(engine) -> None:
    """外勤登记表 and 外勤主任 are words of the traditional text only; BM25 reads its shadow."""
    from regkb.ranker import FEATURES, RRF_K

    found, passages = engine.candidates("上门前要填外勤登记表吗，外勤主任要签字吗？")
    rows = [i for i, p in enumerate(passages) if p.doc_id.endswith(POLICY.name) and p.article == "第三条"]
    assert rows and "bm25" in found.channels[rows[0]]
    assert found.matrix[rows[0], FEATURES.index("rr_bm25")] == pytest.approx(RRF_K / (RRF_K + 1))
