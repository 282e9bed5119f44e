"""app.py page by page against a fake engine (real regkb values, no index)."""

from __future__ import annotations

import pytest

import regkb.engine
from regkb.feedback import FeedbackStore
from tests.app.conftest import open_app
from tests.app.fakes import FakeEngine


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, app_env) -> type[FakeEngine]:
    FakeEngine.instances.clear()
    monkeypatch.setattr(regkb.engine, "Engine", FakeEngine, raising=False)
    return FakeEngine


def _html(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_question_renders_citation_cards(fake) -> None:
    at = open_app()
    at.chat_input[0].set_value("可以给债务人的同事打电话吗").run()
    assert not at.exception
    html = _html(at)
    assert 'class="regkb-card"' in html
    assert "《示例催收规定》第三条" in html and "<mark>" in html
    assert "?page=browse&amp;doc=rules%2Fdemo.md" in html
    assert not at.warning  # an answer is not shown as a refusal


def test_answer_shows_the_conclusion_badge_first_and_each_quote_once(fake) -> None:
    at = open_app()
    at.chat_input[0].set_value("可以给债务人的同事打电话吗").run()
    assert not at.exception
    values = [m.value for m in at.markdown]
    first = next(i for i, v in enumerate(values) if 'class="regkb-conclusion"' in v)
    assert 'data-label="不可以"' in values[first] and "background:#c62828" in values[first]
    assert first < next(i for i, v in enumerate(values) if 'class="regkb-card"' in v)  # badge before 依据
    quote = "催收人员不得向债务人以外的第三人透露债务信息"
    cards = [v for v in values if 'class="regkb-card"' in v and "第三条" in v]
    assert len(cards) == 1 and cards[0].count(quote) == 1
    # the quote is shown once in the answer area: in its card, not repeated in the text above it
    assert sum(v.count(quote) for v in values if 'class="regkb-conclusion"' not in v) == 1
    assert [e.label for e in at.expander] == ["相关条文（1，未作为依据）"]
    assert at.expander[0].proto.expanded is False  # 相关条文 collapsed


def test_refusal_renders_as_refusal(fake) -> None:
    at = open_app()
    at.chat_input[0].set_value("明天天气怎么样").run()
    assert [w.value for w in at.warning] == ["知识库中没有找到依据。"]
    assert 'class="regkb-card"' not in _html(at)  # no evidence cards for a refusal
    assert any("可能相关" in m.value and "](?page=browse" in m.value for m in at.markdown)


def test_follow_up_passes_history_and_shows_carried_terms(fake) -> None:
    at = open_app()
    at.chat_input[0].set_value("可以找同事吗").run()
    at.chat_input[0].set_value("那如果打给他家人呢？").run()
    asked = FakeEngine.instances[-1].asked
    assert [(q, h) for q, _, h in asked] == [
        ("可以找同事吗", ()),
        ("那如果打给他家人呢？", ("可以找同事吗",)),
    ]
    assert any("沿用上一轮的检索词" in c.value for c in at.caption)


def test_sidebar_filters_reach_the_engine(fake) -> None:
    at = open_app()
    at.sidebar.multiselect(key="f_levels").set_value(["法律"])
    at.sidebar.checkbox(key="f_repealed").check()
    at.run()
    at.chat_input[0].set_value("可以找同事吗").run()
    filters = FakeEngine.instances[-1].asked[-1][1]
    assert filters.levels == ("法律",) and filters.include_repealed and filters.as_of is None


def test_thumbs_up_is_stored_with_citations(fake, app_env) -> None:
    at = open_app()
    at.chat_input[0].set_value("可以找同事吗").run()
    at.button(key="up_0").click().run()
    [row] = FeedbackStore(app_env / "feedback.sqlite").recent()
    assert row.rating == 1 and row.question == "可以找同事吗" and row.citations[0]["article"] == "第三条"
    assert any("已记录反馈" in c.value for c in at.caption)


def test_citation_link_opens_the_article_in_browse(fake) -> None:
    at = open_app("browse", doc="rules/demo.md", article="第四条")
    assert not at.exception
    assert at.sidebar.radio(key="page").value == "browse"
    assert at.subheader[0].value == "第四条"
    assert any(
        'class="regkb-card regkb-focus"' in m.value and "每日联系债务人不得超过三次" in m.value
        for m in at.markdown
    )


def test_reference_lookup_navigates_to_the_article(fake) -> None:
    at = open_app("browse")
    at.text_input(key="browse_ref").input("示例催收规定第5条").run()
    assert at.text_input(key="browse_jump").value == "第五条"
    assert at.subheader[0].value == "第五条"
    assert at.query_params["article"] == ["第五条"] or at.query_params["article"] == "第五条"


def test_jump_and_search_within_document(fake) -> None:
    at = open_app("browse")
    at.text_input(key="browse_jump").input("3").run()
    assert at.subheader[0].value == "第三条"
    at.text_input(key="browse_jump").input("第9条").run()
    assert any("没有「第9条」" in w.value for w in at.warning)
    at.text_input(key="browse_term").input("暴力").run()
    assert any("共 1 条含「暴力」" in c.value for c in at.caption)
    assert any("<mark>暴力</mark>" in m.value for m in at.markdown)
    outline = at.selectbox(key="browse_section").options
    assert "　第一节 联系" in outline and "第一章 总则" in outline


def test_clause_check_flags_and_never_says_bare_compliant(fake) -> None:
    at = open_app("check")
    at.text_area(key="check_text").input("催收员应当礼貌沟通\n逾期不还就威胁其家人").run()
    at.button[0].click().run()
    assert [e.value for e in at.error if "违规风险" in e.value] == ["违规风险（刑事）：触发 1 条红线规则"]
    assert [i.value for i in at.info] == ["未发现明显冲突，请人工复核"]
    assert not any(m.value.strip() == "合规" for m in at.markdown)


def test_knowledge_base_is_read_only_without_password(fake) -> None:
    at = open_app("kb")
    assert not at.exception
    assert "示例公司示例催收规定" in at.dataframe[0].value["标题"].tolist()
    assert any("REGKB_ADMIN_PASSWORD" in i.value for i in at.info)
    assert not [b for b in at.button if b.label == "入库"]


def test_wrong_password_cannot_upload(fake, monkeypatch) -> None:
    monkeypatch.setenv("REGKB_ADMIN_PASSWORD", "right")
    at = open_app("kb")
    at.sidebar.text_input(key="admin_pw").input("wrong").run()
    assert [e.value for e in at.sidebar.error] == ["密码不正确"]
    assert not [b for b in at.button if b.label == "入库"]


def test_eval_page_without_report_says_how_to_make_one(fake) -> None:
    at = open_app("eval")
    assert any("regkb eval --out" in i.value for i in at.info)


def test_eval_page_shows_metrics(fake, app_env) -> None:
    (app_env / "eval").mkdir()
    (app_env / "eval" / "metrics.json").write_text('{"recall@5": 0.93, "mrr@10": 0.8}', encoding="utf-8")
    at = open_app("eval")
    table = at.dataframe[0].value
    assert table["指标"].tolist() == ["recall@5", "mrr@10"] and table["值"].tolist() == [0.93, 0.8]


def test_engine_opens_once_per_process(fake) -> None:
    at = open_app()
    at.chat_input[0].set_value("可以找同事吗").run()
    open_app("browse")
    assert len(FakeEngine.instances) == 1


def test_missing_index_is_a_readable_error(app_env, monkeypatch) -> None:
    from regkb.errors import IndexMissingError

    class Missing:
        @classmethod
        def open(cls, settings):
            raise IndexMissingError(str(settings.index_dir))

    monkeypatch.setattr(regkb.engine, "Engine", Missing, raising=False)
    at = open_app()
    assert not at.exception
    assert any("regkb ingest" in e.value for e in at.error)


def _items():
    from regkb.quiz import QuizItem

    return [
        QuizItem("q1", "cloze", "《示例催收规定》第四条：每日联系不得超过____。", ("一次", "三次", "五次", "十次"), 1,
                 "《示例催收规定》第四条", "第四条　每日联系债务人不得超过三次。", "rules/demo.md"),
        QuizItem("q2", "scenario", "催收员冒充法院，违反哪一条？", ("第一条", "第五条"), 1,
                 "《示例催收规定》第五条", "第五条　不得冒充公安机关、法院。", "rules/demo.md"),
    ]  # fmt: skip


def test_quiz_is_scored_and_shows_each_correct_article(fake, monkeypatch) -> None:
    import regkb.quiz

    calls = []
    monkeypatch.setattr(regkb.quiz, "make_quiz", lambda *a, **kw: calls.append((a, kw)) or _items())
    at = open_app("quiz")
    at.number_input(key="quiz_n").set_value(2)
    at.button[0].click().run()
    (passages, n, seed), kwargs = calls[0]
    assert len(passages) == 5 and n == 2 and seed == 1 and kwargs["doc"] is None
    at.radio(key="quiz_q1").set_value("三次")
    at.radio(key="quiz_q2").set_value("第一条")
    [submit] = [b for b in at.button if b.label == "交卷"]
    submit.click().run()
    assert at.metric[0].value == "1 / 2"
    assert [s.value for s in at.success] == ["回答正确：三次"]
    assert [e.value for e in at.error] == ["你的答案：第一条　正确答案：第五条"]
    links = [m.value for m in at.markdown if m.value.startswith("依据：")]
    assert (
        links[1]
        == "依据：[《示例催收规定》第五条](?page=browse&doc=rules%2Fdemo.md&article=%E7%AC%AC%E4%BA%94%E6%9D%A1)"
    )


def test_clause_check_reviews_an_uploaded_file_over_the_pasted_text(fake) -> None:
    at = open_app("check")
    at.text_area(key="check_text").input("粘贴的条款")
    policy = "第一条 催收员应当礼貌沟通\n第二条 逾期不还就威胁其家人\n".encode()
    at.file_uploader(key="check_file").set_value(("policy.txt", policy, "text/plain"))
    at.run()
    at.button[0].click().run()
    assert not at.exception
    assert FakeEngine.instances[-1].checked == ["第一条 催收员应当礼貌沟通\n第二条 逾期不还就威胁其家人"]
    assert [e.value for e in at.error if "违规风险" in e.value] == ["违规风险（刑事）：触发 1 条红线规则"]
