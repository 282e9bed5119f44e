"""The display helpers: highlighting, cards, export, browse views, tables, clause verdicts, eval report."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from regkb.types import Answer, Citation, ClauseResult, DocumentInfo, Hit, RedlineHit
from regkb.ui import browse, cards, clauses, evalreport, export, tables
from regkb.ui.highlight import highlight_quotes, highlight_terms, matched_sentences, split_sentences
from tests.app.fakes import PASSAGES, FakeEngine, make_passage


def test_sentences_cover_the_text_exactly() -> None:
    text = "甲。乙；丙！\n丁"
    spans = split_sentences(text)
    assert "".join(text[s:e] for s, e in spans) == text
    assert [text[s:e] for s, e in spans] == ["甲。", "乙；", "丙！", "\n", "丁"]


def test_only_the_quoted_sentence_is_marked() -> None:
    text = "第三条　甲不得透露。确需联系的，应当同意。"
    assert highlight_quotes(text, ["确需联系"]) == "第三条　甲不得透露。<mark>确需联系的，应当同意。</mark>"
    assert matched_sentences(text, ["并不存在"]) == []


def test_highlighting_escapes_html() -> None:
    assert highlight_quotes("<b>x</b>。", ["x"]) == "<mark>&lt;b&gt;x&lt;/b&gt;。</mark>"
    assert highlight_terms("a<b", "b") == "a&lt;<mark>b</mark>"


def test_browse_link_round_trips_doc_and_article() -> None:
    link = cards.browse_link("laws/民法典.md", "第六百八十条")
    assert parse_qs(link[1:]) == {"page": ["browse"], "doc": ["laws/民法典.md"], "article": ["第六百八十条"]}


def _answer(refused: bool = False) -> Answer:
    return FakeEngine().ask("天气" if refused else "可以找同事吗")


def test_card_shows_label_badge_meta_highlight_and_link() -> None:
    [card] = cards.cards_for(_answer())
    html = cards.card_html(card)
    assert "《示例催收规定》第三条" in html
    assert ">内部制度</span>" in html
    assert "示例消费金融有限公司 · 2024-01-01 施行 · 现行有效" in html
    assert "<mark>第三条　催收人员不得向债务人以外的第三人透露债务信息。</mark>确需联系第三人的" in html
    assert 'href="?page=browse&amp;doc=rules%2Fdemo.md&amp;article=%E7%AC%AC%E4%B8%89%E6%9D%A1"' in html


def test_cards_merge_quotes_of_one_passage() -> None:
    p = PASSAGES[2]
    answer = Answer("q", "t", (Citation(p, "甲"), Citation(PASSAGES[0], "乙"), Citation(p, "丙")), (), False)
    got = cards.cards_for(answer)
    assert [(c.passage.article, c.quotes) for c in got] == [("第三条", ("甲", "丙")), ("第一条", ("乙",))]


def test_repealed_status_is_flagged_red() -> None:
    from dataclasses import replace

    assert 'class="regkb-repealed">已废止' in cards.meta_line(replace(PASSAGES[0], status="已废止"))


def test_a_text_an_amendment_replaces_says_from_when() -> None:
    from dataclasses import replace

    line = cards.meta_line(replace(PASSAGES[0], status="现行有效", expires="2027-01-01"))
    assert line.endswith("现行有效 · 2027-01-01 起不再适用")
    assert "不再适用" not in cards.meta_line(replace(PASSAGES[0], expires=None))


def test_maybe_related_dedupes_articles() -> None:
    hits = [Hit(PASSAGES[0], 0.5), Hit(PASSAGES[0], 0.4), Hit(PASSAGES[1], 0.3)]
    assert [label for label, _ in cards.maybe_related(hits)] == [
        "《示例催收规定》第一条",
        "《示例催收规定》第二条",
    ]


def test_markdown_export_has_question_answer_and_verbatim_article() -> None:
    md = export.answer_markdown(_answer(), "2024-06-01 10:00")
    assert "## 问题\n\n可以找同事吗" in md
    assert "### 《示例催收规定》第三条" in md
    assert "> " + PASSAGES[2].text in md
    assert "- 引用：「催收人员不得向债务人以外的第三人透露债务信息。」" in md


def test_markdown_export_of_a_refusal_lists_related_not_evidence() -> None:
    md = export.answer_markdown(_answer(refused=True))
    assert "拒答" in md and "## 可能相关" in md and "## 依据" not in md


def test_articles_outline_and_sections() -> None:
    articles = browse.group_articles(list(reversed(PASSAGES)))
    assert [a.label for a in articles] == ["第一条", "第二条", "第三条", "第四条", "第五条"]
    entries = browse.outline(articles)
    assert [(e.heading, e.depth) for e in entries] == [
        ("第一章 总则", 0),
        ("第二章 催收行为", 0),
        ("第一节 联系", 1),
        ("第二节 禁止行为", 1),
    ]
    assert [a.label for a in browse.in_section(articles, "第二章 催收行为")] == ["第三条", "第四条", "第五条"]
    assert [a.label for a in browse.in_section(articles, "第二章 催收行为 / 第二节 禁止行为")] == ["第五条"]


def test_split_parts_are_joined_into_one_article() -> None:
    from dataclasses import replace

    p = make_passage(3)
    parts = [replace(p, text="前半。", part=0, parts=2), replace(p, text="后半。", part=1, parts=2)]
    [view] = browse.group_articles([*parts, make_passage(4)])[:1]
    assert view.text == "前半。\n后半。" and len(view.passages) == 2


def test_jump_to_article_accepts_many_spellings() -> None:
    articles = browse.group_articles(PASSAGES)
    for query in ("第4条", "4", "四", "第四条", " 第 4 条 "):
        found = browse.find_article(articles, query)
        assert found is not None and found.label == "第四条", query
    assert browse.find_article(articles, "第9条") is None
    assert browse.canonical_label("293之1") == "第二百九十三条之一"
    assert browse.canonical_label("abc") is None
    assert browse.canonical_label("第2.3.1条") == browse.canonical_label("2．3．1") == "2.3.1"


def test_jump_to_a_numbered_clause_of_a_policy() -> None:
    from dataclasses import replace

    numbered = [replace(make_passage(i), article=label) for i, label in ((1, "2.3"), (2, "2.3.1"))]
    articles = browse.group_articles(numbered)
    for query in ("2.3.1", "第2.3.1条", "2.3.1条"):
        found = browse.find_article(articles, query)
        assert found is not None and found.label == "2.3.1", query
    assert browse.find_article(articles, "2.4") is None


def test_search_within_document() -> None:
    articles = browse.group_articles(PASSAGES)
    assert [a.label for a in browse.search(articles, "第三人")] == ["第三条"]
    assert len(browse.search(articles, "")) == 5


def test_document_filter_and_rows() -> None:
    doc = FakeEngine().documents()[0]
    law = DocumentInfo(
        "laws/x.md", "c", "某某法", "某法", "法律", "全国人大常委会", "", None, "已废止", "", 3, "t"
    )
    assert tables.filter_documents([doc, law]) == [law, doc]  # 法律 ranks above 内部制度
    assert tables.filter_documents([doc, law], text="示例〔2024〕") == [doc]
    assert tables.filter_documents([doc, law], statuses=["已废止"]) == [law]
    assert tables.filter_documents([doc, law], text="全國人大常委會") == [
        law
    ]  # typed in traditional characters
    row = tables.document_row(doc)
    assert list(row) == list(tables.COLUMNS) and row["文号"] == "示例〔2024〕1号" and row["条文数"] == 5


def test_clause_without_flags_never_says_bare_compliant() -> None:
    result = ClauseResult("1", "正常条款", (), (), "未发现明显冲突")
    view = clauses.verdict_view(result)
    assert view == clauses.VerdictView("info", "未发现明显冲突，请人工复核")
    assert view.text != "合规"


def test_clause_with_redline_is_an_error_with_severity() -> None:
    red = RedlineHit("r1", "冒充公检法", "刑事", ("冒充法院",), (PASSAGES[4],))
    result = ClauseResult("第三条", "冒充法院", (red, red), (), "违规风险", None)
    assert clauses.verdict_view(result) == clauses.VerdictView("error", "违规风险（刑事）：触发 2 条红线规则")
    md = clauses.redline_markdown(red)
    assert "「冒充法院」" in md and "[《示例催收规定》第五条](?page=browse" in md
    assert clauses.summary_counts([result, ClauseResult("2", "x", (), (), "需复核")]) == {
        "违规风险": 1,
        "需复核": 1,
        "未发现明显冲突，请人工复核": 0,
    }


def test_eval_report_tables_and_charts(tmp_path) -> None:
    assert evalreport.load_report(tmp_path) is None
    metrics = {"recall@5": 0.9, "by_type": {"colloquial": {"recall@5": 0.8}, "lookup": {"recall@5": 1.0}}}
    (tmp_path / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    (tmp_path / "recall.png").write_bytes(b"\x89PNG")
    report = evalreport.load_report(tmp_path)
    assert report is not None and [c.name for c in report.charts] == ["recall.png"]
    got = evalreport.metric_tables(report.metrics)
    assert got["总体"] == [{"指标": "recall@5", "值": 0.9}]
    assert got["by_type"] == [{"": "colloquial", "recall@5": 0.8}, {"": "lookup", "recall@5": 1.0}]


def test_quiz_score_counts_unanswered_as_wrong() -> None:
    from regkb.quiz import QuizItem
    from regkb.ui.quiz import score

    items = [QuizItem(f"q{i}", "cloze", "p", ("甲", "乙", "丙"), i, "c", "e") for i in range(3)]
    got = score(items, {"q0": "甲", "q1": "丙"})
    assert (got.correct, got.total, got.percent) == (1, 3, 33)
    assert [r.chosen for r in got.results] == [0, 2, None]
    assert got.results[2].chosen_option == "（未作答）" and got.results[1].right_option == "乙"
