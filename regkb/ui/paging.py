"""Pages and document search for the app at the statute book's size (~400 documents, 25k articles).

The 法规浏览 and 知识库 pages show one page of documents or articles at a time, and find a
document from any of its names (title, short title, the title without 中华人民共和国, issuer);
the 问答 page's document filter offers the documents a typed search finds, plus those already chosen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from regkb.names import natural_names
from regkb.types import DocumentInfo, level_rank

T = TypeVar("T")
DOCUMENTS_PER_PAGE = 50
ARTICLES_PER_PAGE = 50


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    number: int  # 1-based, clamped into 1..pages
    pages: int  # at least 1
    total: int
    start: int  # 0-based position of the first item shown

    def caption(self, unit: str = "条") -> str:
        """共 N 条，第 a–b 条（第 p / P 页）."""
        if not self.items:
            return f"共 0 {unit}"
        shown = f"第 {self.start + 1}–{self.start + len(self.items)} {unit}"
        return f"共 {self.total} {unit}，{shown}（第 {self.number} / {self.pages} 页）"


def paginate(items: Sequence[T], number: int, size: int) -> Page[T]:
    """The items of page `number` (clamped: page 0 or past the end shows the nearest page)."""
    if size < 1:
        raise ValueError(f"page size must be at least 1, not {size}")
    pages = max(1, math.ceil(len(items) / size))
    number = min(max(number, 1), pages)
    start = (number - 1) * size
    return Page(tuple(items[start : start + size]), number, pages, len(items), start)


def _names(doc: DocumentInfo) -> tuple[str, ...]:
    return (*natural_names(doc.title, doc.short_title, doc.issuer), doc.issuer, doc.doc_number, doc.doc_id)


def search_documents(docs: Sequence[DocumentInfo], query: str) -> list[DocumentInfo]:
    """Documents any of whose names contains the query (every document for an empty query),
    best first: a name equal to the query, then one starting with it, then the rest; within
    each, by level (highest authority first) and title."""
    query = query.strip().strip("《》")
    if not query:
        return sorted(docs, key=lambda d: (level_rank(d.level), d.title))
    scored = []
    for doc in docs:
        names = [n for n in _names(doc) if n]
        if any(n == query for n in names):
            tier = 0
        elif any(n.startswith(query) for n in names):
            tier = 1
        elif any(query in n for n in names):
            tier = 2
        else:
            continue
        scored.append((tier, level_rank(doc.level), doc.title, doc))
    return [entry[-1] for entry in sorted(scored, key=lambda e: e[:3])]


def filter_choices(
    docs: Sequence[DocumentInfo], query: str, chosen: Sequence[str], limit: int = 100
) -> list[str]:
    """Doc ids a searchable select offers: those already chosen (kept, so a new search never drops
    a choice), then up to `limit` the query finds."""
    found = [d.doc_id for d in search_documents(docs, query)[:limit]]
    return list(dict.fromkeys([*chosen, *found]))
