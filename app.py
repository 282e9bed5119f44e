"""催收合规知识库 · the Streamlit app: widgets -> regkb -> render.

Run with `streamlit run app.py`. Each page is a short function below; everything that turns
engine values into display data lives in regkb.ui, the engine does all the work.
"""

from __future__ import annotations

import tempfile
import uuid
from datetime import date, datetime
from pathlib import Path

import streamlit as st
from pydantic import Field

from regkb import uploads as uploads_mod
from regkb.audit import AuditLog
from regkb.auth import AdminGate, LoginMemo
from regkb.errors import IndexMissingError, RegkbError
from regkb.feedback import FeedbackStore
from regkb.settings import Settings
from regkb.types import LEVEL_ORDER, Answer, Filters
from regkb.ui import answer as answer_ui
from regkb.ui import browse, cards, clauses, evalreport, export, paging, quiz, tables


class AppSettings(Settings):
    """Settings only the app reads (same REGKB_ env prefix)."""

    eval_dir: Path = Field(Path("evals/out/latest"), description="The eval report the 评测 page shows.")
    upload_dir: Path | None = Field(None, description="Where admin uploads go; default <index_dir>/uploads.")
    quiz_questions: Path | None = Field(None, description="Eval-format questions for scenario quiz items.")

    @property
    def uploads(self) -> Path:
        return self.upload_dir or self.index_dir / "uploads"


PAGES = {
    "qa": "问答",
    "check": "条款审查",
    "browse": "法规浏览",
    "kb": "知识库",
    "eval": "评测",
    "quiz": "培训测验",
}


@st.cache_resource(show_spinner=False)
def settings() -> AppSettings:
    return AppSettings()


@st.cache_resource(show_spinner="正在加载模型和索引……")
def engine():  # -> regkb.engine.Engine (imported here so a failed import is shown, not raised)
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


def show_error(exc: RegkbError) -> None:
    if isinstance(exc, IndexMissingError):
        st.error(
            f"知识库索引尚未建立：{exc}\n\n请先运行 `regkb ingest`，或由管理员在「知识库」页上传文件入库。"
        )
    else:
        st.error(f"出错了：{exc}")


def choose_page() -> str:
    keys = list(PAGES)
    wanted = st.query_params.get("page", "qa")
    if st.session_state.get("_page_param") != wanted and wanted in PAGES:
        st.session_state["page"] = wanted  # a link such as ?page=browse&doc=... chose the page
    st.session_state["_page_param"] = wanted
    page = st.sidebar.radio("页面", keys, format_func=PAGES.__getitem__, key="page")
    if page != wanted:
        st.query_params["page"] = page
        st.session_state["_page_param"] = page
    return page


# ---------------------------------------------------------------- 问答


def sidebar_filters() -> Filters:
    st.sidebar.subheader("检索范围")
    levels = st.sidebar.multiselect("层级", LEVEL_ORDER, key="f_levels", placeholder="全部层级")
    all_docs = engine().documents()
    docs = {d.doc_id: d for d in all_docs}
    find = st.sidebar.text_input("搜索法规", key="f_find", placeholder="名称、简称，如 劳动合同法")
    chosen = [i for i in st.session_state.get("f_docs", []) if i in docs]
    doc_ids = st.sidebar.multiselect(
        "法规",
        paging.filter_choices(all_docs, find, chosen),
        format_func=lambda i: docs[i].short_title,
        key="f_docs",
        placeholder="全部法规",
    )
    as_of = None
    if st.sidebar.checkbox("按某日有效的文本", key="f_use_date"):
        as_of = st.sidebar.date_input("时点", value=date.today(), key="f_as_of").isoformat()
    repealed = st.sidebar.checkbox("包含已废止", key="f_repealed")
    return Filters(levels=tuple(levels), doc_ids=tuple(doc_ids), include_repealed=repealed, as_of=as_of)


def rate(index: int, rating: int) -> None:
    answer = st.session_state["turns"][index]
    feedback_store().record(answer, rating)
    st.session_state.setdefault("rated", {})[index] = rating


def render_conclusion(answer: Answer) -> None:
    """Conclusion badge and line, then 依据 cards (each quote once), then 相关条文 collapsed."""
    if answer.conclusion is not None:
        st.markdown(answer_ui.conclusion_html(answer.conclusion), unsafe_allow_html=True)
    if answer.criminal:
        st.error("注意：依据中包含刑法条文，相关行为可能构成犯罪。", icon="⚠️")
    if not answer_ui.is_extractive(answer):
        st.markdown(answer.text)  # an LLM-written answer
    for line in answer_ui.comparison_lines(answer):
        st.markdown(line)
    st.markdown("**依据**")
    for card in cards.cards_for(answer):
        st.markdown(cards.card_html(card), unsafe_allow_html=True)
    related = cards.related_cards(answer)
    if related:
        with st.expander(f"相关条文（{len(related)}，未作为依据）", expanded=False):
            for card in related:
                st.markdown(cards.card_html(card), unsafe_allow_html=True)


def render_answer(answer: Answer, index: int) -> None:
    if answer.refused:
        st.warning(answer.text, icon="🚫")
        related = cards.maybe_related(answer.retrieved)
        if related:
            st.markdown("**可能相关**（仅供参考，未作为依据）：\n\n" + cards.related_markdown(related))
    else:
        render_conclusion(answer)
    for note in answer.notes:
        st.caption(f"ℹ️ {note}")
    left, up, down, _ = st.columns([2, 1, 1, 3])
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M")
    left.download_button(
        "导出 Markdown",
        export.answer_markdown(answer, stamp),
        f"regkb-answer-{index + 1}.md",
        mime="text/markdown",
        key=f"dl_{index}",
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
    st.title("问答")
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


# ---------------------------------------------------------------- 条款审查


def uploaded_text(upload) -> str:
    """The text of an uploaded DOCX/TXT, read by the ingest loaders."""
    from ingest.loaders import load_file

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        return load_file(path).text


def render_clause(result) -> None:
    with st.container(border=True):
        st.markdown(f"**{result.label}**　{result.text}")
        view = clauses.verdict_view(result)
        getattr(st, view.kind)(view.text)
        for hit in result.redlines:
            st.markdown(clauses.redline_markdown(hit))
        if result.governing:
            st.markdown("相关依据：")
            for hit in result.governing[:5]:
                p = hit.passage
                with st.expander(p.citation_label):
                    st.markdown(cards.card_html(cards.CardData(p, ())), unsafe_allow_html=True)


def page_check() -> None:
    st.title("条款审查")
    st.caption("逐条比对红线规则与相关法规。结论仅供参考，最终请人工复核。")
    text = st.text_area("粘贴条款或制度全文", height=180, key="check_text")
    upload = st.file_uploader("或上传制度文件（DOCX / TXT）", type=["docx", "txt"], key="check_file")
    if st.button("开始审查", type="primary"):
        source = uploaded_text(upload) if upload is not None else text
        if not source.strip():
            st.warning("请先粘贴条款或上传文件。")
            return
        with st.spinner("审查中……"):
            st.session_state["check_results"] = engine().check(source)
    results = st.session_state.get("check_results")
    if results is None:
        return
    if not results:
        st.info(clauses.NO_CONFLICT)
        return
    counts = clauses.summary_counts(results)
    for column, (name, count) in zip(st.columns(len(counts)), counts.items(), strict=True):
        column.metric(name, count)
    for result in results:
        render_clause(result)


# ---------------------------------------------------------------- 法规浏览


def lookup_reference() -> None:
    reference = st.session_state.get("browse_ref", "").strip()
    if not reference:
        return
    try:
        found = engine().lookup(reference)
    except RegkbError as exc:
        st.session_state["browse_msg"] = str(exc)
        return
    if found:
        st.session_state["browse_doc"], st.session_state["browse_jump"] = found[0].doc_id, found[0].article
        st.session_state["browse_msg"] = None
    else:
        st.session_state["browse_msg"] = f"知识库中没有找到「{reference}」"


def apply_link(doc_ids: list[str]) -> None:
    """A citation link (?doc=...&article=...) selects its document and article once."""
    link = (st.query_params.get("doc"), st.query_params.get("article", ""))
    if link[0] in doc_ids and st.session_state.get("_browse_link") != link:
        st.session_state["browse_doc"], st.session_state["browse_jump"] = link
    st.session_state["_browse_link"] = link


def render_article(article: browse.ArticleView, term: str = "", focus: bool = False) -> None:
    st.markdown(browse.article_html(article, term, focus), unsafe_allow_html=True)


def page_browse() -> None:
    st.title("法规浏览")
    docs = {d.doc_id: d for d in engine().documents()}
    if not docs:
        st.info("知识库里还没有法规。")
        return
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
    doc_id = st.selectbox(
        "法规", choices, format_func=lambda i: tables.document_choice(docs[i]), key="browse_doc"
    )
    doc = docs[doc_id]
    st.markdown(f"### {doc.title}", unsafe_allow_html=False)
    st.caption(" · ".join(x for x in (doc.level, doc.issuer, doc.doc_number, doc.effective, doc.status) if x))
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
        render_article(focus, term, focus=True)
    sections = browse.outline(articles)
    section = st.selectbox(
        "目录",
        [""] + [e.section for e in sections],
        key="browse_section",
        format_func=lambda s: "全文" if not s else "　" * s.count(" / ") + s.rsplit(" / ", 1)[-1],
    )
    shown = browse.search(articles, term) if term else browse.in_section(articles, section)
    st.caption(f"共 {len(shown)} 条" + (f"含「{term}」" if term else ""))
    page = paging.paginate(shown, st.session_state.get("browse_page", 1), paging.ARTICLES_PER_PAGE)
    for article in page.items:
        render_article(article, term)
    if page.pages > 1:
        st.session_state["browse_page"] = page.number  # clamped: another document may have fewer pages
        st.number_input("页码", 1, page.pages, key="browse_page", help=page.caption())


# ---------------------------------------------------------------- 知识库


def admin_login() -> bool:
    """Checked (and audited, with back-off) once per typed password, not on every re-run."""
    gate = AdminGate(settings().admin_password, audit_log())
    if not gate.enabled:
        st.info("未设置管理员密码（REGKB_ADMIN_PASSWORD），本页只读。")
        return False
    password = st.sidebar.text_input("管理员密码", type="password", key="admin_pw")
    memo: LoginMemo = st.session_state.setdefault("admin_memo", LoginMemo())
    result = memo.check(gate, session_id(), password)
    ok = result is not None and result.ok
    if result is not None and not ok:
        st.sidebar.error(result.message)
    if not ok:
        st.caption("只读模式：输入管理员密码后可上传、删除和重新入库。")
    return ok


STAGES = {"files": "读取文件", "passages": "写入条文", "documents": "完成文档"}


def run_ingest(paths: list[Path], action: str, **detail: object) -> None:
    """Ingest into a new index generation with a progress bar; other users keep the old one meanwhile.

    The admin action is audited with its outcome; a second ingest running elsewhere is refused
    by the index lock and shown as an error.
    """
    from ingest.pipeline import ingest_paths

    cfg = settings()
    bar = st.progress(0.0, text="准备入库……")

    def progress(stage: str, done: int, total: int) -> None:
        name = STAGES.get(stage, f"向量化（{stage}）")
        bar.progress(min(done / total, 1.0) if total else 1.0, text=f"{name} {done}/{total}")

    try:
        report = ingest_paths(
            paths,
            cfg.index_dir,
            dense=cfg.dense,
            max_tokens=cfg.max_tokens,
            threads=cfg.threads,
            progress=progress,
            max_file_mb=cfg.max_file_mb,
            statutes=cfg.statutes,
            chroma_url=cfg.chroma_url,
            chroma_token=cfg.chroma_token,
        )
    except RegkbError as exc:
        audit_log().admin(session_id(), action, False, error=str(exc), **detail)
        show_error(exc)
        return
    failed = [f.file for f in report.files_failed]
    audit_log().admin(
        session_id(), action, report.committed, generation=report.generation, failed=failed, **detail
    )
    bar.progress(1.0, text="入库完成")
    engine().reload_if_changed()
    st.session_state["ingest_report"] = report
    st.rerun()  # redraw the table from the new generation


def save_uploads(uploads) -> list[str]:
    """Store the safe, new files of an upload; says what was refused. Returns the saved names."""
    from ingest.loaders import SUPPORTED_SUFFIXES

    files = [(upload.name, upload.getvalue()) for upload in uploads]
    outcome = uploads_mod.save_uploads(settings().uploads, files, SUPPORTED_SUFFIXES, settings().max_file_mb)
    for name, reason in outcome.rejected:
        st.error(f"{name}：{reason}")
    for name, existing in outcome.duplicates:
        st.warning(f"{name}：与已上传的 {existing} 内容相同，未重复保存。")
    if outcome.rejected or outcome.duplicates:
        audit_log().admin(
            session_id(),
            "upload_refused",
            False,
            rejected=list(outcome.rejected),
            duplicates=list(outcome.duplicates),
        )
    return list(outcome.saved)


def ingest_roots() -> list[Path]:
    """The configured corpus roots plus the uploads folder: the index mirrors exactly these."""
    roots = [r for r in settings().corpus_roots if r.exists()]
    return roots + ([settings().uploads] if settings().uploads.is_dir() else [])


def admin_actions(docs: list) -> None:
    st.caption("入库范围：" + "、".join(str(p) for p in [*settings().corpus_roots, settings().uploads]))
    st.subheader("上传并入库")
    uploads = st.file_uploader(
        "法规或制度文件（PDF / DOCX / MD / TXT / HTML）",
        accept_multiple_files=True,
        type=["pdf", "docx", "md", "txt", "html", "htm"],
        key="kb_uploads",
    )
    if st.button("入库", type="primary", disabled=not uploads):
        saved = save_uploads(uploads)
        if saved:
            run_ingest(ingest_roots(), "upload", files=saved)
    st.subheader("删除 / 重新入库")
    uploaded = {d.doc_id: d for d in docs if d.root == settings().uploads.name}
    if uploaded:
        doc_id = st.selectbox(
            "删除上传的文档", list(uploaded), format_func=lambda i: uploaded[i].title, key="kb_del"
        )
        if st.button("删除并重新入库", key="kb_delete"):
            (settings().uploads / doc_id).unlink(missing_ok=True)
            run_ingest(ingest_roots(), "delete", doc_id=doc_id)
    else:
        st.caption("只有上传的文档可以在此删除；随项目发布的语料请在语料目录中修改。")
    if st.button("全部重新入库", key="kb_reingest"):
        run_ingest(ingest_roots(), "reingest")


def show_report(report) -> None:
    with st.expander("最近一次入库报告", expanded=True):
        if not report.committed:
            st.error("入库未提交：原索引保持不变。")
        for failure in report.files_failed:
            st.error(f"{failure.file}：{failure.reason}")
        st.code(report.format_text(), language=None)


def page_kb() -> None:
    st.title("知识库")
    is_admin = admin_login()
    try:
        docs = engine().documents()
    except IndexMissingError as exc:
        show_error(exc)
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
    if page.pages > 1:
        st.session_state["kb_page"] = page.number  # clamped: another document may have fewer pages
        st.number_input("页码", 1, page.pages, key="kb_page", help=page.caption("部"))
    if is_admin:
        admin_actions(docs)
    if st.session_state.get("ingest_report") is not None:
        show_report(st.session_state["ingest_report"])


# ---------------------------------------------------------------- 评测


def page_eval() -> None:
    st.title("评测")
    directory = Path(st.text_input("评测报告目录", value=str(settings().eval_dir), key="eval_dir"))
    report = evalreport.load_report(directory)
    if report is None:
        st.info(f"{directory} 下还没有评测报告。请运行 `regkb eval --out {directory}`。")
        return
    for name, rows in evalreport.metric_tables(report.metrics).items():
        st.subheader(name)
        st.dataframe(rows, hide_index=True, width="stretch")
    for chart in report.charts:
        st.image(str(chart), caption=chart.stem)
    if report.report_md:
        with st.expander("完整报告 report.md"):
            st.markdown(report.report_md)


# ---------------------------------------------------------------- 培训测验


def quiz_questions() -> list:
    """Scenario questions (eval format, REGKB_QUIZ_QUESTIONS) when configured."""
    from regkb.quiz import QuizQuestion

    path = settings().quiz_questions
    if path is None or not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [QuizQuestion.model_validate_json(line) for line in lines if line.strip()]


def new_quiz(doc: str | None, n: int, seed: int) -> None:
    from regkb.quiz import make_quiz

    passages = [p for d in engine().documents() for p in engine().passages_of(d.doc_id)]
    items = make_quiz(passages, n, seed, doc=doc, questions=quiz_questions() or None)
    st.session_state["quiz_items"], st.session_state["quiz_score"] = items, None


def render_quiz_result(number: int, result) -> None:
    item = result.item
    with st.container(border=True):
        st.markdown(f"**{number}. {item.prompt}**")
        if result.correct:
            st.success(f"回答正确：{result.right_option}")
        else:
            st.error(f"你的答案：{result.chosen_option}　正确答案：{result.right_option}")
        link = cards.browse_link(item.doc_id, item.citation.split("》")[-1]) if item.doc_id else ""
        st.markdown(f"依据：[{item.citation}]({link})" if link else f"依据：{item.citation}")
        st.caption(item.explanation)


def page_quiz() -> None:
    st.title("培训测验")
    docs = {d.short_title: d for d in engine().documents()}
    left, mid, right = st.columns([2, 1, 1])
    doc = left.selectbox("出题范围", ["", *docs], format_func=lambda s: s or "全部法规", key="quiz_doc")
    n = mid.number_input("题数", 1, 30, 10, key="quiz_n")
    seed = right.number_input("试卷编号", 0, 9999, 1, key="quiz_seed")
    if st.button("生成测验", type="primary"):
        with st.spinner("出题中……"):
            new_quiz(doc or None, int(n), int(seed))
    items = st.session_state.get("quiz_items")
    if not items:
        st.info(
            "选择范围后点击「生成测验」。" if items is None else "该范围内的条文不足以出题，请换一个范围。"
        )
        return
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
        for i, item_result in enumerate(result.results, 1):
            render_quiz_result(i, item_result)


RENDER = {
    "qa": page_qa,
    "check": page_check,
    "browse": page_browse,
    "kb": page_kb,
    "eval": page_eval,
    "quiz": page_quiz,
}

st.set_page_config(page_title="催收合规知识库", page_icon="⚖️", layout="wide")
st.markdown(cards.CARD_CSS + answer_ui.CONCLUSION_CSS, unsafe_allow_html=True)
st.sidebar.title("催收合规知识库")
current = choose_page()
try:
    if current in ("qa", "check", "browse"):
        engine().reload_if_changed()
    RENDER[current]()
except RegkbError as error:
    show_error(error)
except ImportError as error:
    st.error(f"功能模块未安装或尚未完成：{error}。请运行 `pip install -e .[dev]`。")
