"""Clause splitting and recognising a quoted draft clause in a review question."""

import pytest

from regkb.clauses import gravest, quoted_clause, split_clauses


@pytest.mark.parametrize(
    "question",
    [
        "我们打算在话术里写'逾期客户的家属应当代为还款'，能这样写吗？",
        "草案：“催收员可以在工作群里公布客户欠款金额。”请帮忙把关。",
        "制度拟规定：「外访人员有权暂扣客户证件」这样有问题吗",
    ],
)
def test_quoted_clause_found(question: str) -> None:
    clause = quoted_clause(question)
    assert clause is not None and clause in question and len(clause) >= 8


@pytest.mark.parametrize(
    "question",
    [
        "客户说'你们等着'，我该怎么回？",
        "《民法典》第六百八十条怎么规定的？",
        "他说‘我没钱你们爱找谁找谁’然后挂了电话。",
    ],
)
def test_no_clause_in_ordinary_questions(question: str) -> None:
    assert quoted_clause(question) is None


def test_split_numbered_policy() -> None:
    text = "第一条 催收应当文明。\n第二条 不得夜间致电。\n第三条 本办法自发布之日起施行。"
    assert [label for label, _ in split_clauses(text)] == ["第一条", "第二条", "第三条"]
    assert split_clauses(text)[1][1] == "第二条 不得夜间致电。"


def test_split_unnumbered_paragraphs() -> None:
    parts = split_clauses("催收应当文明。\n\n不得夜间致电。")
    assert parts == [("1", "催收应当文明。"), ("2", "不得夜间致电。")]


def test_gravest_severity() -> None:
    assert gravest(["民事", "刑事", "内部"]) == "刑事"
    assert gravest([]) is None
