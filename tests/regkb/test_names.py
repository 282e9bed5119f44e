"""Natural short names of documents and fuzzy recognition of shortened names."""

import pytest

from regkb.names import FuzzyNames, lexical_text, natural_names, normalize_name, without_state_prefix
from regkb.types import Passage

DOCS = [
    ("示例消费金融有限公司委外催收机构管理办法", "示例委外催收机构管理办法", "示例消费金融有限公司"),
    ("示例消费金融有限公司催收作业管理办法", "示例催收作业管理办法", "示例消费金融有限公司"),
    ("示例消费金融有限公司催收话术规范", "示例催收话术规范", "示例消费金融有限公司"),
    ("中华人民共和国民法典", "民法典", ""),
    ("中华人民共和国商业银行法", "商业银行法", ""),
    ("青梧信用管理有限公司委外电话催收作业规范", "青梧委外电话催收作业规范", "青梧信用管理有限公司"),
]


def _fuzzy() -> FuzzyNames:
    return FuzzyNames(
        (name, short) for title, short, issuer in DOCS for name in natural_names(title, short, issuer)
    )


def test_names_drop_the_issuer_and_the_state_prefix() -> None:
    assert "委外催收机构管理办法" in natural_names(*DOCS[0])
    assert "民法典" in natural_names(*DOCS[3])
    # an issuer not recorded in the metadata is still recognised at the head of the title
    assert "外访安全规定" in natural_names("青松资产管理有限公司外访安全规定", "青松外访安全规定")


def test_shortened_names_resolve_to_one_document() -> None:
    fuzzy = _fuzzy()
    assert [d for d, _ in fuzzy.find("委外机构管理办法第二十九条是什么内容？")] == [
        "示例委外催收机构管理办法"
    ]
    assert [d for d, _ in fuzzy.find("话术规范第5条怎么规定的")] == ["示例催收话术规范"]


@pytest.mark.parametrize(
    ("question", "document", "mention"),
    [
        (
            "青梧电催规范2.3怎么规定的",
            "青梧委外电话催收作业规范",
            "青梧电催规范",
        ),  # the brand, then a few words
        ("请问委外电话规范第二条", "青梧委外电话催收作业规范", "委外电话规范"),  # most of the name, in order
        ("示例作业办法第3条", "示例催收作业管理办法", "示例作业办法"),
    ],
)
def test_abbreviations_keeping_the_name_in_order_resolve(question: str, document: str, mention: str) -> None:
    found = _fuzzy().find(question)
    assert [d for d, _ in found] == [document]
    start, end = found[0][1]
    assert question[start:end] == mention  # the span is the abbreviation, not the words before it


@pytest.mark.parametrize(
    "question",
    [
        "管理办法第三条",  # a generic tail of two names
        "示例管理办法第三条",  # fits 示例委外催收机构管理办法 and 示例催收作业管理办法 alike
        "作业规范第三条",  # a short tail, no brand
        "电话规范怎么说",  # too little of the name and not its opening
        "按照公司规定第三条",
    ],
)
def test_abbreviations_that_do_not_single_out_a_document_resolve_to_nothing(question: str) -> None:
    assert _fuzzy().find(question) == []


def test_vague_or_unrelated_mentions_resolve_to_nothing() -> None:
    fuzzy = _fuzzy()
    assert fuzzy.find("公司的管理办法里怎么说") == []  # fits two documents about equally
    assert fuzzy.find("劳动合同法第十条") == []
    assert fuzzy.find("这样做违反规定吗") == []


def test_bm25_text_carries_every_natural_name() -> None:
    p = Passage(
        "id",
        "internal/a.md",
        "corpus",
        DOCS[1][0],
        DOCS[1][1],
        "内部制度",
        "第一条",
        "正文",
        issuer=DOCS[1][2],
    )
    text = lexical_text(p)
    assert text.startswith(p.embed_text)
    assert "催收作业管理办法" in text.split("\n")[-1].split()


@pytest.mark.parametrize(
    "written",
    ["民法典", "《民法典》", "中华人民共和国民法典", "《中华人民共和国民法典》", " 民法典 ", "「民法典」"],
)
def test_every_way_of_writing_a_name_shares_one_key(written: str) -> None:
    assert normalize_name(written) == "民法典"


def test_the_key_keeps_what_tells_documents_apart() -> None:
    assert (
        normalize_name("关于适用《中华人民共和国民法典》时间效力的若干规定")
        == "关于适用民法典时间效力的若干规定"
    )
    assert normalize_name("办法(试行)") == normalize_name("办法（试行）") == "办法（试行）"
    assert normalize_name("APP管理办法") == "app管理办法"
    assert normalize_name("中华人民共和国") == "中华人民共和国"  # the prefix alone is a name, not nothing
    assert normalize_name("个人信息保护法") != normalize_name("个人信息保护条例")
    assert without_state_prefix("依照中华人民共和国刑法第二百九十三条") == "依照刑法第二百九十三条"


def test_the_tail_of_another_documents_name_names_nothing() -> None:
    fuzzy = FuzzyNames(
        (name, "网络数据安全管理条例")
        for name in natural_names("网络数据安全管理条例", "网络数据安全管理条例")
    )
    # 安全管理条例 is the tail of 民用爆炸物品安全管理条例 here, a law the index does not hold
    assert fuzzy.find("依照《民用爆炸物品安全管理条例》等实施处罚") == []
    assert [d for d, _ in fuzzy.find("数据安全管理条例第五条")] == [
        "网络数据安全管理条例"
    ]  # a tail that starts the text


def test_abbreviations_name_nothing_inside_quoted_titles_or_other_words() -> None:
    fuzzy = _fuzzy()
    assert fuzzy.find("《消费金融公司管理办法》第二十条") == []  # another document's full title
    assert fuzzy.find("银保监会的青梧电催规范第二条") != []  # 的 leads into a name
    assert fuzzy.find("银保监会青梧电催规范第二条") == []  # 会 does not: the words run on


def test_only_the_documents_allowed_are_named_by_abbreviation() -> None:
    names = [(n, short) for title, short, issuer in DOCS for n in natural_names(title, short, issuer)]
    policies_only = FuzzyNames(names, abbreviable={"示例催收作业管理办法"})
    assert [d for d, _ in policies_only.find("示例作业办法第3条")] == ["示例催收作业管理办法"]
    assert policies_only.find("青梧电催规范2.3怎么规定的") == []  # not in the allowed set


def test_fa_inside_common_words_ends_no_name() -> None:
    fuzzy = FuzzyNames(
        (n, "农民专业合作社法") for n in natural_names("中华人民共和国农民专业合作社法", "农民专业合作社法")
    )
    assert fuzzy.find("农民合法权益受到侵害的") == []  # 农民合法 keeps the name's characters in order
    assert [d for d, _ in fuzzy.find("按农民合作社法第五条")] == ["农民专业合作社法"]
