"""The 知识库 page's document table: rows with Chinese column names, and its filters."""

from __future__ import annotations

from collections.abc import Sequence

from regkb.script import to_simplified
from regkb.types import DocumentInfo, level_rank

COLUMNS: tuple[str, ...] = (
    "标题",
    "层级",
    "发布机关",
    "文号",
    "施行日期",
    "状态",
    "条文数",
    "来源",
    "入库时间",
    "文档ID",
)


def document_row(doc: DocumentInfo) -> dict[str, object]:
    values = (
        doc.title,
        doc.level,
        doc.issuer,
        doc.doc_number,
        doc.effective or "",
        doc.status,
        doc.passages,
        doc.source,
        doc.ingested_at,
        doc.doc_id,
    )
    return dict(zip(COLUMNS, values, strict=True))


def filter_documents(
    docs: Sequence[DocumentInfo],
    text: str = "",
    levels: Sequence[str] = (),
    statuses: Sequence[str] = (),
) -> list[DocumentInfo]:
    """Documents matching a free-text filter (title, short title, issuer, 文号, id; typed in traditional
    characters too), levels and statuses, sorted by level (highest authority first) then title."""
    text = text.strip()
    typed = to_simplified(text)
    out = []
    for doc in docs:
        if levels and doc.level not in levels:
            continue
        if statuses and doc.status not in statuses:
            continue
        haystack = " ".join((doc.title, doc.short_title, doc.issuer, doc.doc_number, doc.doc_id))
        if text and text not in haystack and typed not in haystack:
            continue
        out.append(doc)
    return sorted(out, key=lambda d: (level_rank(d.level), d.title))


def document_rows(docs: Sequence[DocumentInfo]) -> list[dict[str, object]]:
    return [document_row(doc) for doc in docs]


def document_choice(doc: DocumentInfo) -> str:
    """How a document is named in a select box."""
    return f"《{doc.short_title}》 {doc.level} · {doc.status}"


def document_caption(doc: DocumentInfo) -> str:
    """The line under a document's title: level · issuer · number · effective date · status."""
    return " · ".join(x for x in (doc.level, doc.issuer, doc.doc_number, doc.effective, doc.status) if x)
