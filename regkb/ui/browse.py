"""The 法规浏览 page's view of one document: outline, articles, jump-to and search."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from regkb.numerals import DECIMAL_NUMBER, article_label, parse_article_label, to_int
from regkb.types import Passage
from regkb.ui.blocks import Block
from regkb.ui.highlight import highlight_terms

_NUMBERED_CLAUSE = re.compile(rf"^第?({DECIMAL_NUMBER})条?$")  # a policy's 2.3.1
_BARE_NUMBER = re.compile(
    r"^\s*(\d+|[零〇一二两三四五六七八九十百千]+)\s*(?:条)?\s*(?:之\s*(\d+|[一二三四五六七八九十]+))?\s*$"
)


@dataclass(frozen=True, slots=True)
class ArticleView:
    """One article of a document, its split parts joined back together."""

    label: str  # as written ("" for a preamble)
    heading_path: tuple[str, ...]
    text: str
    passages: tuple[Passage, ...]

    @property
    def section(self) -> str:
        return " / ".join(self.heading_path)


@dataclass(frozen=True, slots=True)
class OutlineEntry:
    heading: str
    depth: int  # 0 for the top level (编 or 章), 1 below it, ...
    section: str  # the full heading path joined with " / ", as ArticleView.section


def group_articles(passages: Sequence[Passage]) -> list[ArticleView]:
    """Consecutive parts of one article merged, in document order."""
    ordered = sorted(passages, key=lambda p: (p.order, p.part))
    views: list[ArticleView] = []
    group: list[Passage] = []
    for passage in ordered:
        if group and not (passage.article == group[0].article and passage.part > group[-1].part):
            views.append(_view(group))
            group = []
        group.append(passage)
    if group:
        views.append(_view(group))
    return views


def _view(parts: list[Passage]) -> ArticleView:
    text = "\n".join(p.text for p in parts)
    return ArticleView(parts[0].article, parts[0].heading_path, text, tuple(parts))


def outline(articles: Sequence[ArticleView]) -> list[OutlineEntry]:
    """Every heading (编 / 章 / 节 …) in document order, each once, with its depth."""
    seen: set[tuple[str, ...]] = set()
    entries = []
    for article in articles:
        path = article.heading_path
        for depth in range(len(path)):
            prefix = path[: depth + 1]
            if prefix not in seen:
                seen.add(prefix)
                entries.append(OutlineEntry(path[depth], depth, " / ".join(prefix)))
    return entries


def in_section(articles: Sequence[ArticleView], section: str) -> list[ArticleView]:
    """The articles under a heading (section "" means the whole document)."""
    if not section:
        return list(articles)
    return [a for a in articles if a.section == section or a.section.startswith(section + " / ")]


def canonical_label(query: str) -> str | None:
    """第680条 / 680 / 六百八十 / 第二百九十三条之一 / 293之1 -> the canonical label; 第2.3.1条 / 2.3.1 ->
    2.3.1 (a policy's numbered clause); None when it names no article."""
    query = query.strip().replace(" ", "")
    clause = _NUMBERED_CLAUSE.match(query)
    if clause:
        return clause.group(1).replace("．", ".")
    try:
        if query.startswith("第"):
            number, suffix = parse_article_label(query)
            return article_label(number, suffix)
        match = _BARE_NUMBER.match(query)
        if match:
            suffix = to_int(match.group(2)) if match.group(2) else None
            return article_label(to_int(match.group(1)), suffix)
    except ValueError:
        return None
    return None


def find_article(articles: Sequence[ArticleView], query: str) -> ArticleView | None:
    """The article a reader asked to jump to, matched on its canonical or written label."""
    wanted = canonical_label(query)
    for article in articles:
        if article.label == query.strip() or (wanted and canonical_label(article.label) == wanted):
            return article
    return None


def search(articles: Sequence[ArticleView], term: str) -> list[ArticleView]:
    """Articles whose text or label contains term (all of them for an empty term)."""
    term = term.strip()
    if not term:
        return list(articles)
    return [a for a in articles if term in a.text or term in a.label]


def anchor(label: str) -> str:
    """An HTML id for an article, so a page can scroll to it."""
    return "art-" + (label or "preamble")


def article_html(article: ArticleView, term: str = "", focus: bool = False) -> str:
    """One article as HTML with an anchor; the focused article is boxed and shows its section."""
    body = highlight_terms(article.text, term)
    head = (
        f'<div class="regkb-meta">{html.escape(article.section)}</div>' if focus and article.section else ""
    )
    css = ' class="regkb-card regkb-focus"' if focus else ""
    return f'<div id="{html.escape(anchor(article.label))}"{css}>{head}<div class="regkb-text">{body}</div></div>'


def section_title(section: str) -> str:
    """How the 目录 select shows a section path: indented by depth, its last heading ("" = 全文)."""
    if not section:
        return "全文"
    return "　" * section.count(" / ") + section.rsplit(" / ", 1)[-1]


def sections(articles: Sequence[ArticleView]) -> list[str]:
    """The 目录 choices: "" (the whole document) then every section path in document order."""
    return [""] + [entry.section for entry in outline(articles)]


def focus_view(article: ArticleView, term: str = "") -> list[Block]:
    """The article a link or a jump opened: its label as a heading ("序言" for a preamble), then its card."""
    return [
        Block("subheader", article.label or "序言"),
        Block("html", article_html(article, term, focus=True)),
    ]
