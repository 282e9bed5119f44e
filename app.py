"""催收合规知识库 (`streamlit run app.py`): each page is widgets -> one regkb call -> render.

The engine and regkb.service.app_service do the work; regkb.ui turns their values into display blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

import streamlit as st

from regkb.auth import LoginMemo
from regkb.engine import Engine
from regkb.errors import IndexMissingError, RegkbError
from regkb.service import app_service
from regkb.settings import Settings
from regkb.types import LEVEL_ORDER, Answer, DocumentInfo, Filters
from regkb.ui import admin as admin_ui
from regkb.ui import answer as answer_ui
from regkb.ui import browse, cards, clauses, evalreport, export, nav, paging, quiz, tables
from regkb.ui.blocks import Block, Group, Image, Item, Table, error_block


@st.cache_resource(show_spinner=False)
def services() -> app_service.AppServices:
    return app_service.AppServices.from_settings(Settings())


@st.cache_resource(show_spinner="正在加载模型和索引……")
def engine() -> Engine:
    return Engine.open(services().settings)


def render(view: Sequence[Item]) -> None:
    """Display blocks from regkb.ui: each names its st call; a group is an expander or a bordered box."""
    for item in view:
        if isinstance(item, Group):
            with st.expander(item.label, expanded=item.expanded) if item.label else st.container(border=True):
                render(item.blocks)
        elif isinstance(item, Table):
            st.dataframe(item.rows, hide_index=True, width="stretch")
        elif isinstance(item, Image):
            st.image(item.path, caption=item.caption)
        elif item.kind == "html":
            st.markdown(item.text, unsafe_allow_html=True)
        elif item.kind == "code":
            st.code(item.text, language=None)
        else:
            getattr(st, item.kind)(item.text, **({"icon": item.icon} if item.icon else {}))


def page_input(page: paging.Page, key: str, unit: str = "条") -> None:
    if page.pages > 1:
        st.session_state[key] = page.number  # clamped: another document may have fewer pages
        st.number_input("页码", 1, page.pages, key=key, help=page.caption(unit))


def sidebar_filters() -> Filters:
    st.sidebar.subheader("检索范围")
    levels = st.sidebar.multiselect("层级", LEVEL_ORDER, key="f_levels", placeholder="全部层级")
    docs = engine().documents()
    short = {d.doc_id: d.short_title for d in docs}
    find = st.sidebar.text_input("搜索法规", key="f_find", placeholder="名称、简称，如 劳动合同法")
    chosen = [i for i in st.session_state.get("f_docs", []) if i in short]
    choices = paging.filter_choices(docs, find, chosen)
    doc_ids = st.sidebar.multiselect(
        "法规", choices, format_func=short.__getitem__, key="f_docs", placeholder="全部法规"
    )
    use_date = st.sidebar.checkbox("按某日有效的文本", key="f_use_date")
    as_of = st.sidebar.date_input("时点", value=date.today(), key="f_as_of").isoformat() if use_date else None
    repealed = st.sidebar.checkbox("包含已废止", key="f_repealed")
    return Filters(levels=tuple(levels), doc_ids=tuple(doc_ids), include_repealed=repealed, as_of=as_of)


def render_answer(answer: Answer, index: int) -> None:
    render(answer_ui.answer_view(answer))
    left, up, down, _ = st.columns([2, 1, 1, 3])
    rate = nav.rater(st.session_state, services().feedback)
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
            answer = engine().ask(question, filters=filters, k=services().settings.top_k, history=history)
            services().audit.question(nav.session_id(st.session_state), answer)
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


def browse_document(doc: DocumentInfo) -> None:
    render([Block("markdown", f"### {doc.title}"), Block("caption", tables.document_caption(doc))])
    articles = browse.group_articles(engine().passages_of(doc.doc_id))
    left, right = st.columns(2)
    jump = left.text_input("跳转到条文", key="browse_jump", placeholder="第680条 或 680")
    term = right.text_input("文内搜索", key="browse_term")
    focus = browse.find_article(articles, jump) if jump else None
    if jump and focus is None:
        st.warning(f"本法规中没有「{jump}」。")
    if focus is not None:
        nav.show_focus(st.session_state, st.query_params, doc.doc_id, focus.label)
        render(browse.focus_view(focus, term))
    sections = browse.sections(articles)
    section = st.selectbox("目录", sections, key="browse_section", format_func=browse.section_title)
    shown = browse.search(articles, term) if term else browse.in_section(articles, section)
    st.caption(f"共 {len(shown)} 条" + (f"含「{term}」" if term else ""))
    page = paging.paginate(shown, st.session_state.get("browse_page", 1), paging.ARTICLES_PER_PAGE)
    render([Block("html", browse.article_html(article, term)) for article in page.items])
    page_input(page, "browse_page")


def page_browse() -> None:
    docs = {d.doc_id: d for d in engine().documents()}
    if not docs:
        return render([Block("info", "知识库里还没有法规。")])
    nav.apply_link(st.session_state, st.query_params, docs)
    on_change = nav.on_reference(st.session_state, engine())
    st.text_input(
        "条文定位", key="browse_ref", on_change=on_change, placeholder="如：民法典第680条、个保法第13条"
    )
    if st.session_state.get("browse_msg"):
        st.warning(st.session_state["browse_msg"])
    find = st.text_input("搜索法规", key="browse_find", placeholder="名称、简称或发布机关")
    current = [st.session_state["browse_doc"]] if st.session_state.get("browse_doc") in docs else []
    choices = paging.filter_choices(list(docs.values()), find, current, limit=len(docs))
    labels = {i: tables.document_choice(d) for i, d in docs.items()}
    doc_id = st.selectbox("法规", choices, format_func=labels.__getitem__, key="browse_doc")
    if doc_id is not None:
        browse_document(docs[doc_id])


def admin_login() -> bool:
    """Checked (and audited, with back-off) once per typed password, not on every re-run."""
    gate = services().gate()
    if not gate.enabled:
        st.info("未设置管理员密码（REGKB_ADMIN_PASSWORD），本页只读。")
        return False
    password = st.sidebar.text_input("管理员密码", type="password", key="admin_pw")
    memo: LoginMemo = st.session_state.setdefault("admin_memo", LoginMemo())
    result = memo.check(gate, nav.session_id(st.session_state), password)
    if result is not None and not result.ok:
        st.sidebar.error(result.message)
    if result is None or not result.ok:
        st.caption("只读模式：输入管理员密码后可上传、删除和重新入库。")
    return result is not None and result.ok


def run_ingest(action: Callable[[app_service.Progress], app_service.IngestOutcome]) -> None:
    """Run an admin action under a progress bar; say what went wrong, or reload and redraw from the new index."""
    bar = st.empty()
    outcome = action(lambda stage, done, total: bar.progress(*admin_ui.progress_view(stage, done, total)))
    if outcome.report is None:
        return render(admin_ui.outcome_messages(outcome))  # the error, or why no upload was saved
    engine().reload_if_changed()
    st.session_state["ingest_outcome"] = outcome
    st.rerun()


def admin_actions(kb: app_service.KnowledgeAdmin, docs: list) -> None:
    st.caption("入库范围：" + "、".join(str(p) for p in [*kb.settings.corpus_roots, kb.uploads]))
    st.subheader("上传并入库")
    label = "法规或制度文件（PDF / DOCX / MD / TXT / HTML）"
    uploads = st.file_uploader(label, accept_multiple_files=True, type=kb.upload_types(), key="kb_uploads")
    if st.button("入库", type="primary", disabled=not uploads):
        run_ingest(lambda progress: kb.upload([(u.name, u.getvalue()) for u in uploads], progress))
    st.subheader("删除 / 重新入库")
    uploaded = kb.uploaded(docs)
    if not uploaded:
        st.caption("只有上传的文档可以在此删除；随项目发布的语料请在语料目录中修改。")
    else:
        doc_id = st.selectbox(
            "删除上传的文档", list(uploaded), format_func=uploaded.__getitem__, key="kb_del"
        )
        if st.button("删除并重新入库", key="kb_delete") and doc_id:
            run_ingest(lambda progress: kb.delete(doc_id, progress))
    if st.button("全部重新入库", key="kb_reingest"):
        run_ingest(kb.reingest)


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
    page = paging.paginate(shown, st.session_state.get("kb_page", 1), paging.DOCUMENTS_PER_PAGE)
    st.caption(f"共 {len(docs)} 部法规，显示 {len(shown)} 部")
    st.dataframe(tables.document_rows(page.items), hide_index=True, width="stretch")
    page_input(page, "kb_page", "部")
    if is_admin:
        admin_actions(services().admin(nav.session_id(st.session_state)), docs)
    if st.session_state.get("ingest_outcome") is not None:
        render([admin_ui.report_view(st.session_state["ingest_outcome"])])


def page_eval() -> None:
    directory = st.text_input("评测报告目录", value=str(services().settings.eval_dir), key="eval_dir")
    render(evalreport.report_view(directory))


def page_quiz() -> None:
    left, mid, right = st.columns([2, 1, 1])
    titles = ["", *(d.short_title for d in engine().documents())]
    doc = left.selectbox("出题范围", titles, format_func=lambda s: s or "全部法规", key="quiz_doc")
    n = mid.number_input("题数", 1, 30, 10, key="quiz_n")
    seed = right.number_input("试卷编号", 0, 9999, 1, key="quiz_seed")
    if st.button("生成测验", type="primary"):
        with st.spinner("出题中……"):
            made = app_service.new_quiz(engine(), services().settings, doc or None, int(n), int(seed))
        st.session_state["quiz_items"], st.session_state["quiz_score"] = made, None
    items = st.session_state.get("quiz_items")
    if not items:
        return render([quiz.empty_block(items)])
    with st.form("quiz_form"):
        for i, item in enumerate(items, 1):
            st.radio(f"{i}. {item.prompt}", item.options, index=None, key=f"quiz_{item.id}")
        if st.form_submit_button("交卷"):
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
wanted = nav.follow_page_link(st.session_state, st.query_params, PAGES)
current = st.sidebar.radio("页面", list(PAGES), format_func=lambda p: PAGES[p][0], key="page")
if current != wanted:
    st.query_params["page"] = st.session_state["_page_param"] = current
st.title(PAGES[current][0])
try:
    if current in ("qa", "check", "browse"):
        engine().reload_if_changed()
    PAGES[current][1]()
except RegkbError as error:
    render([error_block(error)])
