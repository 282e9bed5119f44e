"""regkb.ui views and navigation: the app's displays and session-state changes, without Streamlit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from regkb.errors import IndexMissingError, RegkbError
from regkb.feedback import FeedbackStore
from regkb.numerals import article_label
from regkb.quiz import QuizItem
from regkb.service.app_service import IngestOutcome
from regkb.types import Answer, Citation, ClauseResult, Conclusion, DocumentInfo, Hit, Passage, RedlineHit
from regkb.ui import admin, answer, browse, clauses, evalreport, nav, quiz, tables
from regkb.ui.blocks import Block, Group, Image, Table, error_block, texts
from regkb.uploads import UploadOutcome

# An invented rule, written for these tests.
SENTENCES = {
    1: "客户投诉应当在十五个工作日内答复。",
    2: "催收人员不得向债务人的同事透露欠款事实。",
    3: "催收人员不得使用威胁的方式催收。",
}


def _passage(number: int, doc_id: str = "rules/complaints.md", heading: tuple[str, ...] = ()) -> Passage:
    label = article_label(number)
    text = f"{label}　{SENTENCES[number]}"
    return Passage(
        id=Passage.make_id(doc_id, label, 0, text),
        doc_id=doc_id,
        root="tests",
        title="示例公司投诉处理细则",
        short_title="示例投诉细则",
        level="内部制度",
        article=label,
        text=text,
        heading_path=heading,
        article_no=number,
        order=number,
    )


P1, P2, P3 = _passage(1), _passage(2), _passage(3)


def _answered(**extra) -> Answer:
    quote = SENTENCES[2]
    text = f"结论：【不可以】不可以。《示例投诉细则》第二条：{quote}"
    hits = (Hit(P2, 1.0, ("bm25",)), Hit(P1, 0.5, ("bm25",)))
    values = {
        "conclusion": Conclusion("不可以", f"不可以。{quote}"),
        "related": (Citation(P1, SENTENCES[1]),),
        "notes": ("沿用上一轮的检索词：同事",),
    }
    return Answer("能告诉同事吗", text, (Citation(P2, quote),), hits, False, **{**values, **extra})


def test_a_block_of_an_unknown_kind_is_refused_naming_the_kinds() -> None:
    with pytest.raises(ValueError, match=r"use one of .*markdown"):
        Block("balloons", "x")


def test_answer_view_puts_the_badge_first_the_card_once_and_related_collapsed() -> None:
    view = answer.answer_view(_answered())
    html = texts(view, "html")
    assert 'data-label="不可以"' in html[0]  # the conclusion badge first
    assert sum(SENTENCES[2] in h for h in html[1:]) == 1 and 'class="regkb-card"' in html[1]
    assert texts(view, "markdown") == ["**依据**"]  # the extractive text is not repeated
    [related] = [g for g in view if isinstance(g, Group)]
    assert related.label == "相关条文（1，未作为依据）" and not related.expanded
    assert SENTENCES[1] in related.blocks[0].text
    assert view[-1] == Block("caption", "ℹ️ 沿用上一轮的检索词：同事")


def test_answer_view_shows_a_written_answer_and_the_criminal_warning() -> None:
    from dataclasses import replace

    view = answer.answer_view(replace(_answered(), text="大模型写的回答。", criminal=True))
    assert Block("error", "注意：依据中包含刑法条文，相关行为可能构成犯罪。", "⚠️") in view
    assert "大模型写的回答。" in texts(view, "markdown")


def test_a_refusal_is_a_warning_with_what_may_be_related() -> None:
    refused = Answer("天气如何", "知识库中没有找到依据。", (), (Hit(P3, 0.2, ("bm25",)),), True)
    view = answer.answer_view(refused)
    assert view[0] == Block("warning", "知识库中没有找到依据。", "🚫")
    assert not texts(view, "html")  # no evidence cards for a refusal
    assert (
        texts(view, "markdown")[0].startswith("**可能相关**") and "?page=browse" in texts(view, "markdown")[0]
    )


def test_clause_view_boxes_the_clause_with_verdict_flags_and_five_governing_articles() -> None:
    red = RedlineHit("threat", "暴力威胁", "刑事", ("威胁",), (P3,))
    governing = tuple(Hit(p, 1.0, ("bm25",)) for p in (P3, P2, P1, P3, P2, P1))
    box = clauses.clause_view(ClauseResult("2", "逾期就威胁其家人", (red,), governing, "违规风险", "刑事"))
    assert box.label == "" and box.blocks[0] == Block("markdown", "**2**　逾期就威胁其家人")
    assert box.blocks[1] == Block("error", "违规风险（刑事）：触发 1 条红线规则")
    assert "**暴力威胁**（刑事）" in box.blocks[2].text and box.blocks[3] == Block("markdown", "相关依据：")
    cards = [b for b in box.blocks if isinstance(b, Group)]
    labels = ["《示例投诉细则》第三条", "《示例投诉细则》第二条", "《示例投诉细则》第一条"]
    assert [c.label for c in cards] == (labels * 2)[:5]
    clean = clauses.clause_view(ClauseResult("1", "礼貌沟通", (), (), "未发现明显冲突"))
    assert clean.blocks[1] == Block("info", clauses.NO_CONFLICT) and len(clean.blocks) == 2


def _item(doc_id: str = "rules/complaints.md", citation: str = "《示例投诉细则》第二条") -> QuizItem:
    return QuizItem(
        "q1", "cloze", "催收人员不得向____透露欠款事实。", ("同事", "法院"), 0, citation, "第二条　…", doc_id
    )


def test_quiz_result_view_and_its_source_link() -> None:
    [right] = quiz.score([_item()], {"q1": "同事"}).results
    [wrong] = quiz.score([_item()], {"q1": "法院"}).results
    assert (
        quiz.source_link(_item())
        == "?page=browse&doc=rules%2Fcomplaints.md&article=%E7%AC%AC%E4%BA%8C%E6%9D%A1"
    )
    assert quiz.source_markdown(_item(doc_id="")) == "依据：《示例投诉细则》第二条"  # no document, no link
    assert quiz.source_link(_item(citation="《示例投诉细则》")) == "?page=browse&doc=rules%2Fcomplaints.md"
    box = quiz.result_view(3, right)
    assert box.blocks[0] == Block("markdown", "**3. 催收人员不得向____透露欠款事实。**")
    assert box.blocks[1] == Block("success", "回答正确：同事")
    assert quiz.result_view(1, wrong).blocks[1] == Block("error", "你的答案：法院　正确答案：同事")
    assert quiz.empty_block(None).text == "选择范围后点击「生成测验」。"
    assert "不足以出题" in quiz.empty_block([]).text


def test_admin_messages_say_what_was_refused_and_what_failed() -> None:
    upload = UploadOutcome((), (("copy.md", "rule.md"),), (("../x.md", "the name carries a directory"),))
    assert admin.upload_messages(upload) == [
        Block("error", "../x.md：the name carries a directory"),
        Block("warning", "copy.md：与已上传的 rule.md 内容相同，未重复保存。"),
    ]
    assert admin.upload_messages(None) == []
    missing = IngestOutcome("reingest", error=IndexMissingError("/ix"))
    assert "regkb ingest" in admin.outcome_messages(missing)[0].text

    class Report:
        committed, generation = False, None
        files_failed = (type("F", (), {"file": "corpus/bad.pdf", "reason": "encrypted PDF"})(),)
        warnings = ("uploads/rules.md: no clause numbering found …",)

        def format_text(self) -> str:
            return "0 documents"

    view = admin.report_view(IngestOutcome("reingest", report=Report(), upload=upload))
    assert view.label == "最近一次入库报告" and view.expanded
    assert texts([view], "error")[1:] == ["入库未提交：原索引保持不变。", "corpus/bad.pdf：encrypted PDF"]
    assert texts([view], "warning")[-1] == "uploads/rules.md: no clause numbering found …"
    assert view.blocks[-1] == Block("code", "0 documents")


def test_progress_view_names_the_stage_and_never_overflows() -> None:
    assert admin.progress_view("passages", 3, 4) == (0.75, "写入条文 3/4")
    assert admin.progress_view("e5", 9, 4) == (1.0, "向量化（e5） 9/4")
    assert admin.progress_view("files", 0, 0) == (1.0, "读取文件 0/0")


def test_error_block_tells_how_to_build_a_missing_index() -> None:
    assert error_block(IndexMissingError("/ix")).text.startswith("知识库索引尚未建立：no index at /ix")
    assert error_block(RegkbError("boom")) == Block("error", "出错了：boom")


def test_eval_report_view(tmp_path: Path) -> None:
    assert "regkb eval --out" in evalreport.report_view(tmp_path)[0].text
    (tmp_path / "metrics.json").write_text(json.dumps({"hit@5": 0.9}), encoding="utf-8")
    (tmp_path / "report.md").write_text("# 报告", encoding="utf-8")
    (tmp_path / "pr.png").write_bytes(b"\x89PNG")
    view = evalreport.report_view(str(tmp_path))
    assert view[:2] == [Block("subheader", "总体"), Table([{"指标": "hit@5", "值": 0.9}])]
    assert view[2] == Image(str(tmp_path / "pr.png"), "pr")
    assert view[3] == Group((Block("markdown", "# 报告"),), "完整报告 report.md")


def test_browse_sections_focus_and_captions() -> None:
    articles = browse.group_articles(
        [_passage(1, heading=("第一章 总则",)), _passage(2, heading=("第一章 总则", "第一节 联系"))]
    )
    assert browse.sections(articles) == ["", "第一章 总则", "第一章 总则 / 第一节 联系"]
    assert [browse.section_title(s) for s in browse.sections(articles)] == [
        "全文",
        "第一章 总则",
        "　第一节 联系",
    ]
    heading, card = browse.focus_view(articles[1], "同事")
    assert (
        heading == Block("subheader", "第二条")
        and "regkb-focus" in card.text
        and "<mark>同事</mark>" in card.text
    )
    doc = DocumentInfo(
        "d", "tests", "示例细则", "示例", "内部制度", "示例公司", "", "2024-01-01", "现行有效", "", 2, ""
    )
    assert tables.document_caption(doc) == "内部制度 · 示例公司 · 2024-01-01 · 现行有效"


class Library:
    def __init__(self) -> None:
        self.looked_up: list[str] = []

    def documents(self) -> list[DocumentInfo]:
        return []

    def passages_of(self, doc_id: str) -> list[Passage]:
        return []

    def lookup(self, reference: str) -> list[Passage]:
        self.looked_up.append(reference)
        return [P2] if reference.endswith("第2条") else []


def test_a_page_link_is_followed_once_then_the_radio_rules() -> None:
    state: dict = {}
    assert nav.follow_page_link(state, {"page": "browse"}, ["qa", "browse"]) == "browse"
    assert state["page"] == "browse"
    state["page"] = "qa"  # the user picked another page; the same address must not pull them back
    nav.follow_page_link(state, {"page": "browse"}, ["qa", "browse"])
    assert state["page"] == "qa"
    nav.follow_page_link(state, {"page": "nonsense"}, ["qa", "browse"])
    assert state["page"] == "qa" and nav.follow_page_link({}, {}, ["qa"]) == "qa"


def test_citation_links_and_references_select_the_article() -> None:
    state: dict = {}
    nav.apply_link(state, {"doc": "rules/complaints.md", "article": "第二条"}, ["rules/complaints.md"])
    assert (state["browse_doc"], state["browse_jump"]) == ("rules/complaints.md", "第二条")
    state["browse_jump"] = "第一条"
    nav.apply_link(state, {"doc": "rules/complaints.md", "article": "第二条"}, ["rules/complaints.md"])
    assert state["browse_jump"] == "第一条"  # once per link
    nav.apply_link(state := {}, {"doc": "unknown.md"}, ["rules/complaints.md"])
    assert "browse_doc" not in state
    library = Library()
    state = {"browse_ref": "细则第2条", "browse_msg": "old"}
    nav.on_reference(state, library)()
    assert (state["browse_doc"], state["browse_jump"], state["browse_msg"]) == (P2.doc_id, "第二条", None)
    state["browse_ref"] = "细则第9条"
    nav.apply_reference(state, library)
    assert state["browse_msg"] == "知识库中没有找到「细则第9条」" and state["browse_jump"] == "第二条"


def test_the_focused_article_becomes_the_address_and_is_not_taken_for_a_new_link() -> None:
    state: dict = {"browse_jump": "第三条"}
    query: dict = {}
    nav.show_focus(state, query, "rules/complaints.md", "第三条")
    assert query == {"page": "browse", "doc": "rules/complaints.md", "article": "第三条"}
    state["browse_jump"] = "第一条"
    nav.apply_link(state, query, ["rules/complaints.md"])
    assert state["browse_jump"] == "第一条"


def test_session_id_is_made_once_and_ratings_are_stored(tmp_path: Path) -> None:
    state: dict = {}
    first = nav.session_id(state)
    assert len(first) == 32 and nav.session_id(state) == first and nav.session_id({}) != first
    store = FeedbackStore(tmp_path / "feedback.sqlite")
    state["turns"] = [_answered()]
    nav.rater(state, store)(0, -1)
    [row] = store.recent()
    assert row.rating == -1 and row.question == "能告诉同事吗" and state["rated"] == {0: -1}
