"""A policy that numbers its clauses 1.1 / 2.3.1 instead of 第X条 is cited clause by clause.

tests/fixtures/numbered holds such a policy (of a company the project has never met). Before,
the parser saw no 第X条 and no 一、 items and kept the whole text as one 全文 provision, so every
answer cited 《…》 with no clause and no lookup could name one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO, engine_beside_corpus

POLICY = REPO / "tests" / "fixtures" / "numbered" / "outsourced-calls.md"
SHORT = "青梧委外电话催收作业规范"


@pytest.fixture(scope="module")
def engine(hash_index: Path, tmp_path_factory: pytest.TempPathFactory):
    return engine_beside_corpus(
        hash_index, tmp_path_factory.mktemp("numbered") / "index", POLICY, dense=("hash",)
    )


def test_every_numbered_clause_is_its_own_provision(engine) -> None:
    (doc,) = [d.doc_id for d in engine.documents() if d.doc_id.endswith(POLICY.name)]
    clauses = engine.passages_of(doc)
    labels = [p.article for p in clauses if p.article]
    assert labels[:4] == ["1.1", "1.2", "1.3", "2.1"]
    assert "2.3.1" in labels and "全文" not in labels and len(labels) == 14
    by_label = {p.article: p for p in clauses}
    assert by_label["2.3.1"].text.startswith("2.3.1 债务人约定在上述时段回电的")
    assert by_label["3.2"].heading_path == ("3 第三人联系",)


@pytest.mark.parametrize(
    ("question", "clause"),
    [
        (f"{SHORT}2.3.1条是什么内容？", "2.3.1"),
        (f"《{SHORT}》第2.2条怎么规定的？", "2.2"),
        ("委外电话催收作业规范4.1是怎么规定的？", "4.1"),  # the short name without the issuer's prefix
        ("青梧电催规范第3.2条讲了什么", "3.2"),  # an abbreviation: the brand and a few of the name's words
        ("委外电话规范4.3", "4.3"),  # most of the name, in order
    ],
)
def test_a_lookup_by_clause_number_cites_that_clause(engine, question: str, clause: str) -> None:
    answer = engine.ask(question)
    assert not answer.refused
    assert answer.citations[0].label == f"《{SHORT}》{clause}"
    assert answer.citations[0].passage.article == clause
    quote = answer.citations[0].quote
    assert not quote.startswith(clause) and quote in answer.citations[0].passage.text  # the label names it


def test_a_decimal_that_names_no_clause_is_no_lookup(engine) -> None:
    for question in (
        "刑法中3.5年有期徒刑是怎么回事？",  # a law numbers no clause 3.5
        f"{SHORT}里说欠款2.5 万元以上怎么处理？",  # an amount, and no clause 2.5
        f"{SHORT}规定，超过2.5倍的部分怎么办？",
    ):
        assert engine.plan(question).refs == (), question
    assert [(r.document, r.article) for r in engine.plan(f"{SHORT}2.2").refs] == [(SHORT, "2.2")]


def test_a_marked_clause_the_policy_lacks_is_refused_as_missing(engine) -> None:
    answer = engine.ask(f"{SHORT}第9.9条是什么？")
    assert answer.refused
    assert "9.9" in answer.text


def test_clause_numbers_after_the_name_its_citation_or_each_other() -> None:
    from regkb.lookup import ReferenceFinder

    held = [(SHORT, label) for label in ("2.1", "2.2", "2.3", "3.1")]
    finder = ReferenceFinder([SHORT, "刑法"], lambda name: name, numbered=held)

    def found(text: str) -> list[str]:
        return [r.article for r in finder.find(text)]

    assert found(f"《{SHORT}》2.2规定了什么？") == ["2.2"]  # the answer's own citation form
    assert found(f"{SHORT} 2.2") == found(f"{SHORT}里2.2") == ["2.2"]
    assert found(f"{SHORT}第2.1条、第2.2条、第2.3条和第3.1条") == ["2.1", "2.2", "2.3", "3.1"]
    assert found(f"{SHORT}第9.9条") == ["9.9"]  # marked: a reference even when missing
    assert found(f"{SHORT}里提到的9.9") == []  # unmarked and not held: no reference
    assert found(f"{SHORT}规定超过3个月的按2.2处理") == []  # too far from the name, unmarked
    assert found("刑法第3.5条") == []  # the law numbers no clause so
