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


@pytest.mark.parametrize(
    ("question", "articles"),
    [
        ("民法典第1033、1034条", ["第一千零三十三条", "第一千零三十四条"]),  # the first was lost
        ("个保法第十三、十四条", ["第十三条", "第十四条"]),
        ("民法典第1032条至第1034条", ["第一千零三十二条", "第一千零三十三条", "第一千零三十四条"]),
        ("民法典第1032-1034条", ["第一千零三十二条", "第一千零三十三条", "第一千零三十四条"]),
        ("民法典第1032到1034条", ["第一千零三十二条", "第一千零三十三条", "第一千零三十四条"]),
        ("民法典第1条至第100条", ["第一条", "第一百条"]),  # a chapter's worth: its ends only
        ("民法典1033", ["第一千零三十三条"]),  # a bare number after the name (cited 民法典第十一条)
        ("《民法典》 1033 是什么", ["第一千零三十三条"]),
        ("民法典2020年颁布的吗", []),
        ("刑法3年以下有期徒刑", []),
        ("民法典2.3是什么", []),  # a decimal is no bare article number (a policy's clause 2.3)
    ],
)
def test_what_a_user_types_lists_ranges_and_bare_numbers(
    finder: ReferenceFinder, question: str, articles: list[str]
) -> None:
    assert [r.article for r in finder.find(question, asked=True)] == articles


@pytest.mark.parametrize(
    ("question", "articles", "unknown"),
    [
        ("民法典第1033条和劳动合同法第39条", ["第一千零三十三条"], ["劳动合同法"]),  # 39 was 民法典's
        ("根据劳动合同法第39条", [], ["劳动合同法"]),
        ("《反洗钱法》第十条和刑法第253条之一", ["第二百五十三条之一"], ["反洗钱法"]),
        ("刑法修正案第十条", [], ["刑法修正案"]),  # not 刑法第十条
        ("民法典的第1033条", ["第一千零三十三条"], []),
        ("中华人民共和国民法典 第1033条", ["第一千零三十三条"], []),
        ("《民法典》 1033 是什么", ["第一千零三十三条"], []),
    ],
)
def test_an_article_of_a_document_the_index_lacks_is_no_other_documents(
    finder: ReferenceFinder, question: str, articles: list[str], unknown: list[str]
) -> None:
    assert [r.article for r in finder.find(question, asked=True)] == articles
    assert finder.unknown_documents(question) == unknown


def test_a_provision_text_is_read_without_the_typed_forms(finder: ReferenceFinder) -> None:
    """A law's own 「第四十四条至第四十七条」 keeps the references the ranker learned (its two ends)."""
    text = "违反银行业监督管理法第四十四条至第四十七条规定的，另见民法典1033。"
    assert [r.article for r in finder.find(text)] == ["第四十四条", "第四十七条"]
    assert len(finder.find(text, asked=True)) == 5  # typed, the range is every article and 1033 one


def test_article_without_a_law_is_not_a_reference(finder: ReferenceFinder) -> None:
    assert finder.find("第五十条说的是什么？") == []


def test_documents_named(finder: ReferenceFinder) -> None:
    assert [d for d, _ in finder.documents("征信条例和个保法都管吗")] == ["征信业管理条例", "个人信息保护法"]


def test_carried_terms_leave_article_numbers_out() -> None:
    from regkb.query import carried_terms

    assert carried_terms(["个保法第13条"]) == ("个保法",)  # not 个保法第
    assert carried_terms(["刑法第二百九十三条之一规定了什么"]) == ("刑法", "规定了什么")


def test_carried_terms_are_whole_and_not_redundant() -> None:
    from regkb.query import carried_terms, is_follow_up

    terms = carried_terms(["客户失联了，能不能去他老家找他父母要钱？"])
    assert terms and all(len(t) >= 2 for t in terms)
    assert not any(a != b and a in b for a in terms for b in terms)
    assert is_follow_up("那如果打给他家人呢？") and not is_follow_up("民法典第六百八十条怎么规定的？")
