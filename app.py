"""催收合规知识库 · the Streamlit app: widgets -> one regkb call -> render.

Run with `streamlit run app.py`. Each page is a short function below: the engine and
regkb.service.app_service do the work, regkb.ui turns their values into display blocks.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import streamlit as st

from regkb.audit import AuditLog
from regkb.auth import AdminGate, LoginMemo
from regkb.errors import IndexMissingError, RegkbError
from regkb.feedback import FeedbackStore
from regkb.service import app_service
from regkb.settings import Settings
from regkb.types import LEVEL_ORDER, Answer, Filters
from regkb.ui import admin as admin_ui
from regkb.ui import answer as answer_ui
from regkb.ui import browse, cards, clauses, evalreport, export, paging, quiz, tables
from regkb.ui.blocks import Block, Group, error_block


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    return Settings()


@st.cache_resource(show_spinner="正在加载模型和索引……")
def engine():  # -> regkb.engine.Engine, imported on first use: opening it loads the index's models
    from regkb.engine import Engine

    return Engine.open(settings())


@st.cache_resource(show_spinner=False)
def feedback_store() -> FeedbackStore:
    return FeedbackStore(settings().feedback_db)


@st.cache_resource(show_spinner=False)
def audit_log() -> AuditLog:
    return AuditLog(settings().audit_db)


def session_id() -> str:
    """A random id for this browser session, written with every audit record."""
    return str(st.session_state.setdefault("session_id", uuid.uuid4().hex))


def render(view: Sequence[Block | Group]) -> None:
    """Display blocks from regkb.ui: each names its st call; a group is an expander or a bordered box."""
    for item in view:
        if isinstance(item, Group):
            with st.expander(item.label, expanded=item.expanded) if item.label else st.container(border=True):
                render(item.blocks)
        elif item.kind == "html":
            st.markdown(item.text, unsafe_allow_html=True)
        elif item.kind == "code":
            st.code(item.text, language=None)
        else:
            getattr(st, item.kind)(item.text, **({"icon": item.icon} if item.icon else {}))


def paged(items: Sequence, key: str, size: int) -> paging.Page:
    return paging.paginate(items, st.session_state.get(key, 1), size)


def page_input(page: paging.Page, key: str, unit: str = "条") -> None:
    if page.pages > 1:
        st.session_state[key] = page.number  # clamped: another document may have fewer pages
        st.number_input("页码", 1, page.pages, key=key, help=page.caption(unit))


def choose_page() -> str:
    wanted = st.query_params.get("page", "qa")
    if st.session_state.get("_page_param") != wanted and wanted in PAGES:
        st.session_state["page"] = wanted  # a link such as ?page=browse&doc=... chose the page
    st.session_state["_page_param"] = wanted
    page = st.sidebar.radio("页面", list(PAGES), format_func=lambda p: PAGES[p][0], key="page")
    if page != wanted:
        st.query_params["page"] = st.session_state["_page_param"] = page
    return page


def sidebar_filters() -> Filters:
    st.sidebar.subheader("检索范围")
    levels = st.sidebar.multiselect("层级", LEVEL_ORDER, key="f_levels", placeholder="全部层级")
    docs = {d.doc_id: d for d in engine().documents()}
    find = st.sidebar.text_input("搜索法规", key="f_find", placeholder="名称、简称，如 劳动合同法")
    chosen = [i for i in st.session_state.get("f_docs", []) if i in docs]
    choices = paging.filter_choices(list(docs.values()), find, chosen)
    doc_ids = st.sidebar.multiselect(
        "法规", choices, format_func=lambda i: docs[i].short_title, key="f_docs", placeholder="全部法规"
    )
    use_date = st.sidebar.checkbox("按某日有效的文本", key="f_use_date")
    as_of = st.sidebar.date_input("时点", value=date.today(), key="f_as_of").isoformat() if use_date else None
    repealed = st.sidebar.checkbox("包含已废止", key="f_repealed")
    return Filters(levels=tuple(levels), doc_ids=tuple(doc_ids), include_repealed=repealed, as_of=as_of)


def rate(index: int, rating: int) -> None:
    feedback_store().record(st.session_state["turns"][index], rating)
    st.session_state.setdefault("rated", {})[index] = rating


def render_answer(answer: Answer, index: int) -> None:
    render(answer_ui.answer_view(answer))
    left, up, down, _ = st.columns([2, 1, 1, 3])
    markdown = export.answer_markdown(answer, datetime.now().strftime("%Y-%m-%d %H:%M"))
    left.download_button(
        "导出 Markdown", markdown, f"regkb-answer-{index + 1}.md", "text/markdown", key=f"dl_{index}"
    )
    rated = st.session_state.get("rated", {}).get(index)
    if rated:
        up.caption("已记录反馈，谢谢！" if rated > 0 else "已记录，我们会改进。")
    else:
        up.button("有用", key=f"up_{index}", icon=":material/thumb_up:", on_click=rate, args=(index, 1))
        down.button(
            "没用", key=f"down_{index}", icon=":material/thumb_down:", on_click=rate, args=(index, -1)
        )


def page_qa() -> None:
    st.caption("回答只引用知识库中的条文原文；没有依据时会明确拒答。")
    filters = sidebar_filters()
    if st.sidebar.button("清空对话"):
        st.session_state["turns"], st.session_state["rated"] = [], {}
    turns: list[Answer] = st.session_state.setdefault("turns", [])
    for i, answer in enumerate(turns):
        st.chat_message("user").write(answer.question)
        with st.chat_message("assistant"):
            render_answer(answer, i)
    question = st.chat_input("输入问题，例如：催收时可以给债务人的同事打电话吗？")
    if question:
        st.chat_message("user").write(question)
        with st.chat_message("assistant"), st.spinner("检索中……"):
            history = tuple(t.question for t in turns)
            answer = engine().ask(question, filters=filters, k=settings().top_k, history=history)
            audit_log().question(session_id(), answer)
            turns.append(answer)
            render_answer(answer, len(turns) - 1)


def page_check() -> None:
    st.caption("逐条比对红线规则与相关法规。结论仅供参考，最终请人工复核。")
    text = st.text_area("粘贴条款或制度全文", height=180, key="check_text")
    upload = st.file_uploader("或上传制度文件（DOCX / TXT）", type=["docx", "txt"], key="check_file")
    if st.button("开始审查", type="primary"):
        source = app_service.review_source(text, (upload.name, upload.getvalue()) if upload else None)
        if not source.strip():
            return render([Block("warning", "请先粘贴条款或上传文件。")])
        with st.spinner("审查中……"):
            st.session_state["check_results"] = engine().check(source)
    results = st.session_state.get("check_results")
    if results is not None and not results:
        st.info(clauses.NO_CONFLICT)
    if results:
        counts = clauses.summary_counts(results)
        for column, (name, count) in zip(st.columns(len(counts)), counts.items(), strict=True):
            column.metric(name, count)
        render([clauses.clause_view(result) for result in results])


def lookup_reference() -> None:
    found = app_service.locate(engine(), st.session_state.get("browse_ref", ""))
    if found.doc_id:
        st.session_state["browse_doc"], st.session_state["browse_jump"] = found.doc_id, found.article
    if found.doc_id or found.message:
        st.session_state["browse_msg"] = found.message


def apply_link(doc_ids: list[str]) -> None:
    """A citation link (?doc=...&article=...) selects its document and article once."""
    link = (st.query_params.get("doc"), st.query_params.get("article", ""))
    if link[0] in doc_ids and st.session_state.get("_browse_link") != link:
        st.session_state["browse_doc"], st.session_state["browse_jump"] = link
    st.session_state["_browse_link"] = link


def browse_document(doc_id: str) -> None:
    articles = browse.group_articles(engine().passages_of(doc_id))
    left, right = st.columns(2)
    jump = left.text_input("跳转到条文", key="browse_jump", placeholder="第680条 或 680")
    term = right.text_input("文内搜索", key="browse_term")
    focus = browse.find_article(articles, jump) if jump else None
    if jump and focus is None:
        st.warning(f"本法规中没有「{jump}」。")
    if focus is not None:
        st.query_params.update(page="browse", doc=doc_id, article=focus.label)
        st.session_state["_browse_link"] = (doc_id, focus.label)  # our own link, not a new one
        st.subheader(focus.label or "序言")
        render([Block("html", browse.article_html(focus, term, focus=True))])
    section = st.selectbox(
        "目录", browse.sections(articles), key="browse_section", format_func=browse.section_title
    )
    shown = browse.search(articles, term) if term else browse.in_section(articles, section)
    st.caption(f"共 {len(shown)} 条" + (f"含「{term}」" if term else ""))
    page = paged(shown, "browse_page", paging.ARTICLES_PER_PAGE)
    render([Block("html", browse.article_html(article, term)) for article in page.items])
    page_input(page, "browse_page")


def page_browse() -> None:
    docs = {d.doc_id: d for d in engine().documents()}
    if not docs:
        return render([Block("info", "知识库里还没有法规。")])
    apply_link(list(docs))
    st.text_input(
        "条文定位",
        key="browse_ref",
        on_change=lookup_reference,
        placeholder="如：民法典第680条、个保法第13条",
    )
    if st.session_state.get("browse_msg"):
        st.warning(st.session_state["browse_msg"])
    find = st.text_input("搜索法规", key="browse_find", placeholder="名称、简称或发布机关")
    current = [st.session_state["browse_doc"]] if st.session_state.get("browse_doc") in docs else []
    choices = paging.filter_choices(list(docs.values()), find, current, limit=len(docs))
    doc = docs[
        st.selectbox("法规", choices, format_func=lambda i: tables.document_choice(docs[i]), key="browse_doc")
    ]
    st.markdown(f"### {doc.title}")
    st.caption(tables.document_caption(doc))
    browse_document(doc.doc_id)


def admin_login() -> bool:
    """Checked (and audited, with back-off) once per typed password, not on every re-run."""
    gate = AdminGate(settings().admin_password, audit_log())
    if not gate.enabled:
        st.info("未设置管理员密码（REGKB_ADMIN_PASSWORD），本页只读。")
        return False
    password = st.sidebar.text_input("管理员密码", type="password", key="admin_pw")
    result = st.session_state.setdefault("admin_memo", LoginMemo()).check(gate, session_id(), password)
    if result is not None and not result.ok:
        st.sidebar.error(result.message)
    if result is None or not result.ok:
        st.caption("只读模式：输入管理员密码后可上传、删除和重新入库。")
    return result is not None and result.ok


def progress_bar() -> app_service.Progress:
    """An ingest's progress callback drawing a bar here (it appears with the first step)."""
    bar = st.empty()
    return lambda stage, done, total: bar.progress(*admin_ui.progress_view(stage, done, total))


def after_ingest(outcome: app_service.IngestOutcome | None) -> None:
    """An error is shown; a finished ingest reloads the engine and redraws from the new generation."""
    if outcome is not None and outcome.error is not None:
        render([error_block(outcome.error)])
    elif outcome is not None:
        engine().reload_if_changed()
        st.session_state["ingest_outcome"] = outcome
        st.rerun()


def admin_actions(kb: app_service.KnowledgeAdmin, docs: list) -> None:
    st.caption("入库范围：" + "、".join(str(p) for p in [*settings().corpus_roots, kb.uploads]))
    st.subheader("上传并入库")
    types = ["pdf", "docx", "md", "txt", "html", "htm"]
    label = "法规或制度文件（PDF / DOCX / MD / TXT / HTML）"
    uploads = st.file_uploader(label, accept_multiple_files=True, type=types, key="kb_uploads")
    if st.button("入库", type="primary", disabled=not uploads):
        saved, outcome = kb.upload([(u.name, u.getvalue()) for u in uploads], progress_bar())
        render(admin_ui.upload_messages(saved))
        after_ingest(outcome)
    st.subheader("删除 / 重新入库")
    uploaded = kb.uploaded(docs)
    if not uploaded:
        st.caption("只有上传的文档可以在此删除；随项目发布的语料请在语料目录中修改。")
    else:
        doc_id = st.selectbox(
            "删除上传的文档", list(uploaded), format_func=lambda i: uploaded[i].title, key="kb_del"
        )
        if st.button("删除并重新入库", key="kb_delete"):
            after_ingest(kb.delete(doc_id, progress_bar()))
    if st.button("全部重新入库", key="kb_reingest"):
        after_ingest(kb.reingest(progress_bar()))


def page_kb() -> None:
    is_admin = admin_login()
    try:
        docs = engine().documents()
    except IndexMissingError as exc:
        render([error_block(exc)])
        docs = []
    left, mid, right = st.columns([2, 1, 1])
    text = left.text_input("筛选", key="kb_text", placeholder="标题、发布机关、文号")
    levels = mid.multiselect("层级", sorted({d.level for d in docs}), key="kb_levels", placeholder="全部")
    statuses = right.multiselect(
        "状态", sorted({d.status for d in docs}), key="kb_status", placeholder="全部"
    )
    shown = tables.filter_documents(docs, text, levels, statuses)
    page = paged(shown, "kb_page", paging.DOCUMENTS_PER_PAGE)
    st.caption(f"共 {len(docs)} 部法规，显示 {len(shown)} 部")
    st.dataframe(tables.document_rows(page.items), hide_index=True, width="stretch")
    page_input(page, "kb_page", "部")
    if is_admin:
        admin_actions(app_service.KnowledgeAdmin(settings(), audit_log(), session_id()), docs)
    if st.session_state.get("ingest_outcome") is not None:
        render([admin_ui.report_view(st.session_state["ingest_outcome"])])


def page_eval() -> None:
    directory = Path(st.text_input("评测报告目录", value=str(settings().eval_dir), key="eval_dir"))
    report = evalreport.load_report(directory)
    if report is None:
        return render(
            [Block("info", f"{directory} 下还没有评测报告。请运行 `regkb eval --out {directory}`。")]
        )
    for name, rows in evalreport.metric_tables(report.metrics).items():
        st.subheader(name)
        st.dataframe(rows, hide_index=True, width="stretch")
    for chart in report.charts:
        st.image(str(chart), caption=chart.stem)
    if report.report_md:
        st.expander("完整报告 report.md").markdown(report.report_md)


def page_quiz() -> None:
    left, mid, right = st.columns([2, 1, 1])
    titles = ["", *(d.short_title for d in engine().documents())]
    doc = left.selectbox("出题范围", titles, format_func=lambda s: s or "全部法规", key="quiz_doc")
    n = mid.number_input("题数", 1, 30, 10, key="quiz_n")
    seed = right.number_input("试卷编号", 0, 9999, 1, key="quiz_seed")
    if st.button("生成测验", type="primary"):
        with st.spinner("出题中……"):
            made = app_service.new_quiz(engine(), settings(), doc or None, int(n), int(seed))
        st.session_state["quiz_items"], st.session_state["quiz_score"] = made, None
    items = st.session_state.get("quiz_items")
    if not items:
        return render([quiz.empty_block(items)])
    with st.form("quiz_form"):
        for i, item in enumerate(items, 1):
            st.radio(f"{i}. {item.prompt}", item.options, index=None, key=f"quiz_{item.id}")
        submitted = st.form_submit_button("交卷")
    if submitted:
        chosen = {item.id: st.session_state.get(f"quiz_{item.id}") for item in items}
        st.session_state["quiz_score"] = quiz.score(items, chosen)
    result = st.session_state.get("quiz_score")
    if result is not None:
        st.metric("得分", f"{result.correct} / {result.total}", f"{result.percent}%", delta_color="off")
        render([quiz.result_view(i, r) for i, r in enumerate(result.results, 1)])


PAGES = {
    "qa": ("问答", page_qa),
    "check": ("条款审查", page_check),
    "browse": ("法规浏览", page_browse),
    "kb": ("知识库", page_kb),
    "eval": ("评测", page_eval),
    "quiz": ("培训测验", page_quiz),
}

st.set_page_config(page_title="催收合规知识库", page_icon="⚖️", layout="wide")
render([Block("html", cards.CARD_CSS + answer_ui.CONCLUSION_CSS)])
st.sidebar.title("催收合规知识库")
current = choose_page()
st.title(PAGES[current][0])
try:
    if current in ("qa", "check", "browse"):
        engine().reload_if_changed()
    PAGES[current][1]()
except RegkbError as error:
    render([error_block(error)])
