"""Direct article references in every phrasing users type."""

import pytest

from regkb import vocab
from regkb.lookup import ReferenceFinder


@pytest.fixture(scope="module")
def finder() -> ReferenceFinder:
    aliases = vocab.load_aliases()
    return ReferenceFinder(aliases.names(), aliases.resolve)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("《民法典》第680条", [("民法典", "第六百八十条")]),
        ("民法典第六百八十条怎么规定的？", [("民法典", "第六百八十条")]),
        ("个保法第13条规定了哪几种情形", [("个人信息保护法", "第十三条")]),
        ("刑法293条之一", [("刑法", "第二百九十三条之一")]),
        ("刑法第二百九十三条之一", [("刑法", "第二百九十三条之一")]),
        ("民诉法第二百二十五条讲的是什么？", [("民事诉讼法", "第二百二十五条")]),
        ("《中华人民共和国个人信息保护法》第二十八条", [("个人信息保护法", "第二十八条")]),
        ("治安法第50条和刑法第238条", [("治安管理处罚法", "第五十条"), ("刑法", "第二百三十八条")]),
        ("消法第二十九条对消费者个人信息是怎么规定的？", [("消费者权益保护法", "第二十九条")]),
    ],
)
def test_references(finder: ReferenceFinder, question: str, expected: list[tuple[str, str]]) -> None:
    assert [(r.document, r.article) for r in finder.find(question)] == expected


def test_article_without_a_law_is_not_a_reference(finder: ReferenceFinder) -> None:
    assert finder.find("第五十条说的是什么？") == []


def test_documents_named(finder: ReferenceFinder) -> None:
    assert [d for d, _ in finder.documents("征信条例和个保法都管吗")] == ["征信业管理条例", "个人信息保护法"]


def test_carried_terms_are_whole_and_not_redundant() -> None:
    from regkb.query import carried_terms, is_follow_up

    terms = carried_terms(["客户失联了，能不能去他老家找他父母要钱？"])
    assert terms and all(len(t) >= 2 for t in terms)
    assert not any(a != b and a in b for a in terms for b in terms)
    assert is_follow_up("那如果打给他家人呢？") and not is_follow_up("民法典第六百八十条怎么规定的？")
