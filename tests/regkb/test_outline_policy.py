"""A policy in 一、 chapters whose clauses count again from one in each, （一） （二） …, is cited clause
by clause: clause （三） of chapter 二 is 2.3, found by a lookup of 2.3 and cited as 《…》2.3.

The policy is written here, for an invented company with no manifest entry. Before, the parser kept
each chapter as one provision (labelled 一, 二, …), so no answer could name the clause it relied on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import engine_beside_corpus

POLICY = """\
# 青禾数科有限公司电话回访操作细则

一、总则
（一）为规范电话回访工作，保护客户合法权益，制定本细则。
（二）本细则适用于公司回访专员。
二、回访要求
（一）回访专员应当在每日九时至十九时之间拨打电话，法定节假日暂停回访。
（二）同一客户每日回访不得超过两次，客户明确拒绝的，当日不再拨打。
（三）回访专员不得向客户的亲属、同事透露客户的借款信息。
三、附则
（一）本细则由合规部负责解释。
四、本细则自发布之日起施行。
"""


@pytest.fixture(scope="module")
def engine(hash_index: Path, tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("outline-doc") / "callback-rules.md"
    path.write_text(POLICY, encoding="utf-8")
    return engine_beside_corpus(
        hash_index, tmp_path_factory.mktemp("outline") / "index", path, dense=("hash",)
    )


def _passages(engine) -> dict:
    (doc,) = [d for d in engine.documents() if d.doc_id.endswith("callback-rules.md")]
    return {p.article: p for p in engine.passages_of(doc.doc_id) if p.article}


def test_each_clause_is_a_provision_under_its_chapter(engine) -> None:
    clauses = _passages(engine)
    assert list(clauses) == ["1.1", "1.2", "2.1", "2.2", "2.3", "3.1", "4"]
    assert clauses["4"].citation_label == "《青禾数科有限公司电话回访操作细则》4"  # a chapter, no 第4条
    assert clauses["2.3"].text == "（三）回访专员不得向客户的亲属、同事透露客户的借款信息。"
    assert clauses["2.3"].heading_path == ("二、回访要求",)


def test_a_lookup_of_a_clause_cites_it(engine) -> None:
    answer = engine.ask("电话回访操作细则2.3是什么内容？")
    assert not answer.refused
    top = answer.citations[0]
    assert top.passage.article == "2.3" and top.passage.doc_id.endswith("callback-rules.md")
    assert top.label == "《青禾数科有限公司电话回访操作细则》2.3"
    assert top.quote in top.passage.text
