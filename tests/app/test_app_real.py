"""app.py against a real (tiny, hash-embedded) index: the path users take, end to end in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.conftest import open_app
from tests.app.realindex import UPLOADED_RULE, build_index


@pytest.fixture(scope="module")
def real_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return build_index(tmp_path_factory.mktemp("real"))


@pytest.fixture
def real(real_env: dict[str, str], app_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key, value in real_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("REGKB_UPLOAD_DIR", str(app_env / "uploads"))
    return app_env


def _html(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_question_renders_citation_cards(real) -> None:
    at = open_app()
    at.chat_input[0].set_value("催收人员可以向债务人的同事透露欠款吗？").run()
    assert not at.exception and not at.error
    html = _html(at)
    assert 'class="regkb-card"' in html and "《示例催收规定》第" in html
    assert "?page=browse&amp;doc=demo.md" in html


def test_out_of_scope_question_is_refused(real) -> None:
    at = open_app()
    at.chat_input[0].set_value("明天北京的天气怎么样？适合去爬山吗？").run()
    assert not at.exception
    assert at.warning, "a refusal is shown in a warning box"
    assert 'class="regkb-card"' not in _html(at)


def test_article_lookup_navigates_to_the_article(real) -> None:
    at = open_app("browse", doc="demo.md", article="第三条")  # a citation card's link
    assert not at.exception
    assert at.subheader[0].value == "第三条"
    at.text_input(key="browse_jump").input("4").run()
    assert at.subheader[0].value == "第四条"
    assert any("每日联系同一债务人不得超过三次" in m.value and "regkb-focus" in m.value for m in at.markdown)
    outline = at.selectbox(key="browse_section").options
    assert outline[0] == "全文" and any(o.endswith("第一章 总则") for o in outline)
    assert any(o.endswith("第二章 催收行为") for o in outline)
    at.text_input(key="browse_ref").input("不存在的法第9条").run()
    assert any("没有找到「不存在的法第9条」" in w.value for w in at.warning)


def test_admin_uploads_a_file_and_the_document_appears(real, monkeypatch) -> None:
    monkeypatch.setenv("REGKB_ADMIN_PASSWORD", "correct horse")
    at = open_app("kb")
    at.sidebar.text_input(key="admin_pw").input("correct horse").run()
    at.file_uploader(key="kb_uploads").set_value(
        ("complaints.md", UPLOADED_RULE.encode("utf-8"), "text/markdown")
    )
    at.run()
    [ingest] = [b for b in at.button if b.label == "入库"]
    ingest.click().run(timeout=120)
    assert not at.exception and not at.error
    assert "示例公司投诉处理细则" in at.dataframe[0].value["标题"].tolist()
    assert (real / "uploads" / "complaints.md").is_file()
    # the uploaded document can be deleted again, and the index follows
    at.button(key="kb_delete").click().run(timeout=120)
    assert "示例公司投诉处理细则" not in at.dataframe[0].value["标题"].tolist()
    assert "示例公司催收行为规定" in at.dataframe[0].value["标题"].tolist()


def test_user_without_password_cannot_upload(real, monkeypatch) -> None:
    monkeypatch.setenv("REGKB_ADMIN_PASSWORD", "correct horse")
    at = open_app("kb")
    assert not at.file_uploader and not [b for b in at.button if b.label == "入库"]
    at.sidebar.text_input(key="admin_pw").input("guess").run()
    assert not at.file_uploader and [e.value for e in at.sidebar.error] == ["密码不正确"]
    assert "示例公司催收行为规定" in at.dataframe[0].value["标题"].tolist()  # read-only, still visible


def test_clause_check_flags_a_threat_and_hedges_a_clean_clause(real) -> None:
    at = open_app("check")
    at.text_area(key="check_text").input(
        "第一条 催收人员应当礼貌沟通。\n第二条 逾期不还的，可以威胁其家人并冒充法院工作人员。"
    ).run()
    at.button[0].click().run()
    assert not at.exception
    assert any(e.value.startswith("违规风险（刑事）") for e in at.error)
    assert "未发现明显冲突，请人工复核" in [i.value for i in at.info]


def test_quiz_from_the_real_index_scores_a_perfect_sheet(real) -> None:
    at = open_app("quiz")
    at.number_input(key="quiz_n").set_value(3)
    at.button[0].click().run()
    items = at.session_state["quiz_items"]
    assert items, "the demo rule yields cloze items"
    for item in items:
        at.radio(key=f"quiz_{item.id}").set_value(item.options[item.answer])
    [submit] = [b for b in at.button if b.label == "交卷"]
    submit.click().run()
    assert at.metric[0].value == f"{len(items)} / {len(items)}"
    assert len(at.success) == len(items) and not at.error


def test_follow_up_question_shows_the_carried_terms(real) -> None:
    at = open_app()
    at.chat_input[0].set_value("催收人员可以向债务人的同事透露欠款吗？").run()
    at.chat_input[0].set_value("那如果打给他家人呢？").run()
    assert not at.exception
    assert any(c.value.startswith("ℹ️ 沿用上文：") for c in at.caption)
