"""The citation verifier: finding 《X》第N条 references and checking them against passages."""

from __future__ import annotations

import argparse
import json

import pytest

from regkb.index import IndexReader
from regkb.numerals import parse_article_label
from regkb.provisions import ProvisionResolver
from regkb.types import Passage
from regkb.verify import check_citations, find_citations, verify_citations

NAMES = ("民法典", "个保法", "个人信息保护法", "刑法", "治安管理处罚法")
ALIASES = {"个保法": "个人信息保护法", "民诉法": "民事诉讼法"}


def passage(
    short: str, article: str, text: str, doc_id: str | None = None, status: str = "现行有效"
) -> Passage:
    number, suffix = parse_article_label(article)
    doc = doc_id or f"laws/{short}.md"
    return Passage(
        id=Passage.make_id(doc, article, 0, text),
        doc_id=doc,
        root="shared-corpus",
        title=f"中华人民共和国{short}",
        short_title=short,
        level="法律",
        article=article,
        text=f"{article} {text}",
        article_no=number,
        article_suffix=suffix,
        status=status,
    )


PASSAGES = [
    passage("民法典", "第六百八十条", "禁止高利放贷，借款的利率不得违反国家有关规定。"),
    passage(
        "民法典",
        "第一千零三十二条",
        "自然人享有隐私权。任何组织或者个人不得以刺探、侵扰、泄露、公开等方式侵害他人的隐私权。",
    ),
    passage("民法典", "第一千零三十八条", "信息处理者不得泄露或者篡改其收集、存储的个人信息。"),
    passage(
        "个人信息保护法",
        "第十三条",
        "符合下列情形之一的，个人信息处理者方可处理个人信息：\n\n（一）取得个人的同意；",
    ),
    passage(
        "刑法",
        "第二百九十三条之一",
        "有下列情形之一，催收高利放贷等产生的非法债务，情节严重的，处三年以下有期徒刑、拘役或者管制。",
    ),
]


@pytest.fixture
def resolver() -> ProvisionResolver:
    return ProvisionResolver(PASSAGES, alias=ALIASES.get)


def _found(text: str) -> list[tuple[str, str, str | None]]:
    return [(c.document, c.article, c.quote) for c in find_citations(text, NAMES)]


def test_book_title_citations_with_chinese_or_arabic_numbers_and_zhi():
    text = "依据《民法典》第680条和《中华人民共和国刑法》第二百九十三条之一第一款第（三）项，以及《刑法》第293条之1。"
    assert _found(text) == [
        ("民法典", "第六百八十条", None),
        ("中华人民共和国刑法", "第二百九十三条之一", None),
        ("刑法", "第二百九十三条之一", None),
    ]


def test_a_dash_suffix_is_zhi_and_a_dashed_range_gives_both_ends():
    """「刑法第293-1条」 went unchecked: the verifier found no citation in it, so an invented one written
    that way would have passed. So did a range (第1032-1099条): its ends are now checked."""
    assert _found("根据刑法第293-1条和《刑法》第293－1条、第294条") == [
        ("刑法", "第二百九十三条之一", None),
        ("刑法", "第二百九十三条之一", None),
        ("刑法", "第二百九十四条", None),
    ]
    assert _found("《民法典》第1-3条、第1032—1038条，《个保法》第13～15条") == [
        ("民法典", "第一条", None),  # a range, not 第一条之三
        ("民法典", "第三条", None),
        ("民法典", "第一千零三十二条", None),
        ("民法典", "第一千零三十八条", None),
        ("个保法", "第十三条", None),
        ("个保法", "第十五条", None),
    ]
    assert _found("《民法典》第3-3条") == []  # neither a range nor 第三条之三


def test_each_end_of_a_range_is_checked_and_named(resolver):
    checked = check_citations("《民法典》第1032-1099条", resolver)
    assert [(raw.text, check.status) for raw, check in checked] == [
        ("《民法典》第一千零三十二条", "valid"),
        ("《民法典》第一千零九十九条", "article_missing"),
    ]
    assert {raw.span for raw, _ in checked} == {(5, 16)}  # the range as written, for removal


def test_a_quote_after_a_range_may_come_from_an_article_between_its_ends(resolver):
    quoted = "《民法典》第680-1038条规定：“自然人享有隐私权。”"  # 第一千零三十二条 lies between
    assert [c.status for c in verify_citations(quoted, resolver)] == ["valid", "valid"]
    wrong = "《民法典》第680-1038条规定：“自然人享有财产权。”"
    assert [c.status for c in verify_citations(wrong, resolver)] == ["valid", "quote_mismatch"]
    written = "《民法典》第六百八十条至第一千零三十八条规定：“自然人享有隐私权。”"
    checked = check_citations(written, resolver)
    assert [(raw.text, check.status) for raw, check in checked] == [
        ("《民法典》第六百八十条", "valid"),
        ("《民法典》第一千零三十八条", "valid"),
    ]
    listed = "《民法典》第六百八十条、第一千零三十八条规定：“自然人享有隐私权。”"  # a list, not a range
    assert [c.status for c in verify_citations(listed, resolver)] == ["valid", "quote_mismatch"]


def test_bare_names_need_a_known_name_and_may_drop_di():
    text = "民法典第680条、个保法第13条和刑法293条之一都相关，但本法第五条与某规定第3条不是引用。"
    assert _found(text) == [
        ("民法典", "第六百八十条", None),
        ("个保法", "第十三条", None),
        ("刑法", "第二百九十三条之一", None),
    ]
    assert find_citations(text, names=()) == []


def test_a_list_yields_one_citation_each_sharing_the_document():
    cites = find_citations("《民法典》第一千零三十二条、第一千零三十八条", NAMES)
    assert [c.article for c in cites] == ["第一千零三十二条", "第一千零三十八条"]
    assert [c.text for c in cites] == ["《民法典》第一千零三十二条", "《民法典》第一千零三十八条"]
    assert cites[0].group == cites[1].group


def test_quotes_in_either_style_attach_to_the_citation_before_them():
    text = "《民法典》第六百八十条规定：“禁止高利放贷”。治安管理处罚法第50条「不存在的话」"
    found = _found(text)
    assert found == [("民法典", "第六百八十条", "禁止高利放贷"), ("治安管理处罚法", "第五十条", "不存在的话")]
    first = find_citations(text, NAMES)[0]
    assert first.quote_span is not None and text[slice(*first.quote_span)] == "“禁止高利放贷”"


def test_statuses(resolver):
    text = (
        "《民法典》第680条；《民法典》第九千条；《催收法》第一条；"
        "《民法典》第一千零三十二条规定：“任何组织或者个人不得以刺探、侵扰、泄露、公开等方式侵害他人的隐私权”；"
        "个保法第13条规定“个人信息处理者可以随意处理个人信息”"
    )
    checks = verify_citations(text, resolver)
    assert [(c.text, c.status) for c in checks] == [
        ("《民法典》第680条", "valid"),
        ("《民法典》第九千条", "article_missing"),
        ("《催收法》第一条", "document_missing"),
        ("《民法典》第一千零三十二条", "valid"),
        ("个保法第13条", "quote_mismatch"),
    ]
    assert checks[0].passage is PASSAGES[0]
    assert checks[3].quote is not None and checks[3].passage is PASSAGES[1]
    assert checks[4].passage is PASSAGES[3]


def test_quotes_match_verbatim_after_whitespace_only(resolver):
    spaced = "《个人信息保护法》第十三条：“符合下列情形之一的，个人信息处理者方可处理个人信息： （一）取得个人的同意；”"
    assert [c.status for c in verify_citations(spaced, resolver)] == ["valid"]
    reworded = "《个人信息保护法》第十三条：“符合下列情形之一，个人信息处理者方可处理个人信息”"
    assert [c.status for c in verify_citations(reworded, resolver)] == ["quote_mismatch"]
    half_width = "《民法典》第六百八十条：“禁止高利放贷,借款的利率不得违反国家有关规定。”"
    assert [c.status for c in verify_citations(half_width, resolver)] == ["quote_mismatch"]


def test_a_quote_after_a_list_may_come_from_any_listed_article(resolver):
    text = "民法典第一千零三十二条、第一千零三十八条规定：“任何组织或者个人不得以刺探、侵扰、泄露、公开等方式侵害他人的隐私权”"
    assert [c.status for c in verify_citations(text, resolver)] == ["valid", "valid"]


def test_the_resolver_cites_the_document_in_force_and_finds_every_source():
    old = passage("民法典", "第六百八十条", "旧文本。", doc_id="old/民法典", status="已废止")
    new = passage("民法典", "第六百八十条", "新文本。", doc_id="statutes/民法典")
    res = ProvisionResolver([old, new], alias=ALIASES.get)
    assert res.find_document("《中华人民共和国民法典》") == res.current("民法典") == "statutes/民法典"
    assert res.find_document("合同法") is None
    assert ProvisionResolver(PASSAGES, alias=ALIASES.get).find_document("个保法") == "laws/个人信息保护法.md"
    assert res.find("民法典", "第680条") == [old, new]  # every source, by doc_id
    assert res.doc_ids("中华人民共和国民法典") == {"old/民法典", "statutes/民法典"}
    assert (
        res.has_article("民法典", "第六百八十一条") is False and res.has_article("合同法", "第一条") is None
    )
    assert res.passages_for("statutes/民法典", "第六百八十条") == [new]
    assert res.passages_for("statutes/民法典", "第680条") == [new]
    assert res.passages_for("statutes/民法典", "第六百八十一条") == []


def test_an_item_label_is_found_as_written_and_by_its_number():
    item = Passage(
        "d1", "laws/决定.md", "r", "关于修改刑法的决定", "修改决定", "法律", "一", "一、……", article_no=1
    )
    res = ProvisionResolver([item])
    assert res.find("修改决定", "一") == res.find("修改决定", "第一条") == [item]
    assert res.find("修改决定", "二") == []


def test_check_citations_keeps_positions_for_editing(resolver):
    text = "见《民法典》第九千条。"
    ((raw, check),) = check_citations(text, resolver)
    assert check.status == "article_missing"
    assert text[slice(*raw.doc_span)] == "《民法典》"
    assert text[slice(*raw.span)] == "第九千条"


class _FakeReader:
    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages
        self.closed = False

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_index(monkeypatch):
    reader = _FakeReader(PASSAGES)
    monkeypatch.setattr(IndexReader, "open", classmethod(lambda cls, index_dir: reader))
    return reader


def main(argv: list[str]) -> int:
    """Run `regkb verify` through its own parser (other subcommands may not be installed)."""
    from regkb.commands import verify

    parser = argparse.ArgumentParser(prog="regkb")
    verify.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_verify_is_a_builtin_subcommand():
    from regkb.cli import BUILTIN

    assert "regkb.commands.verify" in BUILTIN


def test_cli_exit_codes_and_json(fake_index, tmp_path, capsys):
    assert main(["verify", "《民法典》第680条", "--index", str(tmp_path)]) == 0
    assert "✓ 《民法典》第680条" in capsys.readouterr().out
    assert main(["verify", "《民法典》第680条；《民法典》第九千条", "--json", "--index", str(tmp_path)]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert [(r["citation"], r["status"]) for r in rows] == [
        ("《民法典》第680条", "valid"),
        ("《民法典》第九千条", "article_missing"),
    ]
    assert rows[0]["doc_id"] == "laws/民法典.md" and rows[0]["article"] == "第六百八十条"
    assert fake_index.closed
