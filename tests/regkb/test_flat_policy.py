"""A policy that numbers its clauses flat (1、 2、 3、) under 一、 chapter titles is cited clause by clause.

tests/fixtures/flat holds such a policy, of a company the project has never met, with no manifest
entry. Before, the parser found no 第X条, no 1.1 outline and no run of 一、 items it could use, kept
the whole text as one 全文 provision, and no lookup could name a clause.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO, engine_beside_corpus

POLICY = REPO / "tests" / "fixtures" / "flat" / "visit-rules.txt"


@pytest.fixture(scope="module")
def engine(hash_index: Path, tmp_path_factory: pytest.TempPathFactory):
    return engine_beside_corpus(
        hash_index, tmp_path_factory.mktemp("flat") / "index", POLICY, dense=("hash",)
    )


def _document(engine):
    (doc,) = [d for d in engine.documents() if d.doc_id.endswith(POLICY.name)]
    return doc


def test_every_flat_numbered_clause_is_its_own_provision_under_its_chapter(engine) -> None:
    clauses = {p.article: p for p in engine.passages_of(_document(engine).doc_id) if p.article}
    assert list(clauses) == [str(n) for n in range(1, 11)]
    assert clauses["4"].text == "4、外访人员不得少于两人，其中至少一人入职满六个月。"
    assert clauses["4"].heading_path == ("二、外访安排",)
    assert clauses["10"].heading_path == ("四、附则",)


@pytest.mark.parametrize(
    ("question", "clause"),
    [("外访工作守则第4条是什么？", "4"), ("柏川信息服务有限公司外访工作守则第七条怎么规定的", "7")],
)
def test_a_lookup_by_article_number_cites_the_clause_of_that_number(
    engine, question: str, clause: str
) -> None:
    answer = engine.ask(question)
    assert not answer.refused
    top = answer.citations[0]
    assert top.passage.article == clause and top.passage.doc_id.endswith(POLICY.name)
    assert not top.quote.startswith(f"{clause}、") and top.quote in top.passage.text  # the label names it
    assert top.label == f"《柏川信息服务有限公司外访工作守则》第{clause}条"  # as a reader cites clause 4、


def test_numbering_that_starts_again_in_each_chapter_is_an_outline_not_flat() -> None:
    """1、 2、 numbered again under each 一、 chapter are that chapter's clauses (2.1 is 二's 1、), not
    one flat count; two numbered lines in a notice are no outline at all."""
    from regkb.structure import parse

    text = "某公司守则\n一、总则\n1、为规范外访制定本守则。\n2、本守则适用于全体员工。\n二、外访\n1、外访须两人同行。\n2、不得滞留。\n"
    assert [(p.label, p.heading_path) for p in parse(text)] == [
        ("", ()),
        ("1.1", ("一、总则",)),
        ("1.2", ("一、总则",)),
        ("2.1", ("二、外访",)),
        ("2.2", ("二、外访",)),
    ]
    notice = "关于外访的通知\n各部门：\n请注意以下两点：\n1、外访须两人同行。\n2、不得滞留。\n特此通知。\n"
    assert [p.label for p in parse(notice)] == ["全文"]  # two list items are no outline


def test_a_number_the_policy_lacks_is_refused_as_missing(engine) -> None:
    """第11条 of a policy of ten clauses is a lookup (the clauses are found by their number, as 第X条
    articles are) and is refused as missing, not answered with another clause."""
    assert [r.article for r in engine.plan("外访工作守则第11条是什么？").refs] == ["第十一条"]
    answer = engine.ask("外访工作守则第11条是什么？")
    assert answer.refused and "第十一条" in answer.text
