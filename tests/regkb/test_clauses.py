"""Clause splitting and recognising a quoted draft clause in a review question."""

import re

import pytest

from regkb.clauses import (
    CLEAR,
    REVIEW,
    RISK,
    ClauseChecker,
    ClauseTools,
    gravest,
    quoted_clause,
    split_clauses,
)
from regkb.query import QueryPlan
from regkb.redlines import RedlineRule
from regkb.types import Hit, Passage, Provenance


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


def test_split_reads_a_draft_as_an_ingested_policy_is_read() -> None:
    """Chapter titles and a title line are no clauses; a draft numbered （一） again under each 一、
    chapter, or 1.1, is split at its clauses and labelled as its citations would be."""
    chaptered = (
        "某公司催收规定（草案）\n第一章 总则\n第一条 催收应当文明。\n第二章 外访\n第二条 外访应当两人同行。"
    )
    assert split_clauses(chaptered) == [
        ("第一条", "第一条 催收应当文明。"),
        ("第二条", "第二条 外访应当两人同行。"),
    ]
    outline = "外访规定（草案）\n一、总则\n（一）催收应当文明。\n（二）不得辱骂。\n二、外访\n（一）晚上十点以后可以上门。"
    assert split_clauses(outline) == [
        ("1.1", "（一）催收应当文明。"),
        ("1.2", "（二）不得辱骂。"),
        ("2.1", "（一）晚上十点以后可以上门。"),
    ]
    decimal = "1 总则\n1.1 催收应当文明。\n1.2 不得辱骂。\n2 外访\n2.1 可以上门。"
    assert [label for label, _ in split_clauses(decimal)] == ["1.1", "1.2", "2.1"]


def test_split_unnumbered_paragraphs() -> None:
    parts = split_clauses("催收应当文明。\n\n不得夜间致电。")
    assert parts == [("1", "催收应当文明。"), ("2", "不得夜间致电。")]


def test_a_title_line_of_an_unnumbered_draft_is_no_clause() -> None:
    """「一、信息保护」 over one 1. clause was reviewed as a clause (未发现明显冲突); a short clause with
    force and no full stop is still one."""
    assert split_clauses("一、信息保护\n1. 催收人员可以将借款人的欠款信息告知其同事。") == [
        ("1", "1. 催收人员可以将借款人的欠款信息告知其同事。")
    ]
    assert split_clauses("不得夜间致电\n\n外访应当两人同行，并全程录音。") == [
        ("1", "不得夜间致电"),
        ("2", "外访应当两人同行，并全程录音。"),
    ]
    assert split_clauses("不得夜间致电") == [("1", "不得夜间致电")]
    assert split_clauses("催收规定") == [("1", "催收规定")]  # nothing else to review: the line itself


def test_gravest_severity() -> None:
    assert gravest(["民事", "刑事", "内部"]) == "刑事"
    assert gravest([]) is None


def _tools(conduct: bool) -> tuple[ClauseTools, list[tuple[str, object]]]:
    """Clause tools over two passages of 刑法第二百三十四条, recording what the checker asks."""
    asked: list[tuple[str, object]] = []
    article = [
        Passage(
            "p0", "laws/刑法.md", "r", "中华人民共和国刑法", "刑法", "法律", "第二百三十四条", "故意伤害"
        ),
        Passage(
            "p1", "laws/刑法.md", "r", "中华人民共和国刑法", "刑法", "法律", "第二百三十四条", "续", part=1
        ),
    ]

    def provisions(title: str, label: str) -> list[Passage]:
        asked.append(("provisions", (title, label)))
        return article if (title, label) == ("刑法", "第二百三十四条") else []

    def retrieve(text: str, k: int) -> list[Hit]:
        asked.append(("retrieve", k))
        return [Hit(article[0], 0.5)]

    tools = ClauseTools(
        provisions=provisions,
        has_article=lambda title, label: True,
        retrieve=retrieve,
        plan=lambda text: QueryPlan(text, text, conduct=(("c", ()),) if conduct else ()),
    )
    return tools, asked


def test_the_checker_reads_the_index_only_through_its_tools() -> None:
    rule = RedlineRule(
        "R1",
        "暴力",
        "暴力催收",
        "刑事",
        ((re.compile("殴打"),),),
        (),
        (),
        40,
        (Provenance("刑法", "第二百三十四条"),),
    )
    tools, asked = _tools(conduct=False)
    checker = ClauseChecker(tools, [rule])
    risky = checker.review_clause("1", "客户不还款的可以殴打。")
    assert risky.verdict == RISK and risky.severity == "刑事"
    assert [p.id for p in risky.redlines[0].provisions] == ["p0"]  # the article's first part only
    assert ("provisions", ("刑法", "第二百三十四条")) in asked and ("retrieve", 5) in asked
    assert checker.review_clause("2", "催收应当文明。").verdict == CLEAR
    assert (
        ClauseChecker(_tools(conduct=True)[0], [rule]).review_clause("3", "催收应当文明。").verdict == REVIEW
    )
