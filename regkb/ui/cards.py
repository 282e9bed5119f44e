"""Evidence cards: the HTML the 问答 page shows for each cited article."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from regkb.quotes import pieces
from regkb.types import REPEALED, Answer, Hit, Passage
from regkb.ui.highlight import highlight_quotes

# Badge colours per level (background, text); unknown levels fall back to grey.
LEVEL_COLOURS: dict[str, tuple[str, str]] = {
    "法律": ("#b71c1c", "#ffffff"),
    "行政法规": ("#e65100", "#ffffff"),
    "部门规章": ("#1565c0", "#ffffff"),
    "规范性文件": ("#00838f", "#ffffff"),
    "司法解释": ("#6a1b9a", "#ffffff"),
    "行业自律": ("#2e7d32", "#ffffff"),
    "内部制度": ("#455a64", "#ffffff"),
}
_DEFAULT_COLOURS = ("#9e9e9e", "#ffffff")

CARD_CSS = """
<style>
.regkb-card {border: 1px solid #d0d7de; border-radius: 8px; padding: 0.7rem 0.9rem; margin: 0.5rem 0;}
.regkb-card-head {display: flex; gap: 0.5rem; align-items: center; flex-wrap: wrap;}
.regkb-label {font-weight: 700; font-size: 1.05rem;}
.regkb-badge {border-radius: 4px; padding: 0 0.4rem; font-size: 0.8rem;}
.regkb-meta {color: #57606a; font-size: 0.85rem; margin: 0.2rem 0 0.4rem 0;}
.regkb-text {line-height: 1.7;}
.regkb-text mark {background: #fff3b0; padding: 0 1px;}
.regkb-repealed {color: #b71c1c; font-weight: 700;}
.regkb-link {font-size: 0.85rem;}
</style>
"""


@dataclass(frozen=True, slots=True)
class CardData:
    """One card: a passage and the verbatim quotes the answer took from it."""

    passage: Passage
    quotes: tuple[str, ...]


def browse_link(doc_id: str, article: str = "") -> str:
    """The query string that opens an article on the 法规浏览 page."""
    params = {"page": "browse", "doc": doc_id}
    if article:
        params["article"] = article
    return "?" + urlencode(params)


def level_badge(level: str) -> str:
    background, colour = LEVEL_COLOURS.get(level, _DEFAULT_COLOURS)
    return f'<span class="regkb-badge" style="background:{background};color:{colour}">{html.escape(level)}</span>'


def meta_line(passage: Passage) -> str:
    """issuer · 施行日期 · status (· the day it ceases to apply, when an amended text replaces it),
    as HTML (a repealed status is shown in red)."""
    parts = []
    if passage.issuer:
        parts.append(html.escape(passage.issuer))
    if passage.effective:
        parts.append(f"{html.escape(passage.effective)} 施行")
    status = html.escape(passage.status)
    parts.append(f'<span class="regkb-repealed">{status}</span>' if passage.status == REPEALED else status)
    if passage.expires:
        parts.append(f"{html.escape(passage.expires)} 起不再适用")
    return " · ".join(parts)


def cards_for(answer: Answer) -> list[CardData]:
    """One card per cited passage, in citation order, holding all quotes taken from it."""
    order: list[str] = []
    passages: dict[str, Passage] = {}
    quotes: dict[str, list[str]] = {}
    for citation in answer.citations:
        key = citation.passage.id
        if key not in passages:
            order.append(key)
            passages[key] = citation.passage
            quotes[key] = []
        for piece in pieces(citation.quote):  # an elided quote is highlighted piece by piece
            if piece not in quotes[key]:
                quotes[key].append(piece)
    return [CardData(passages[k], tuple(quotes[k])) for k in order]


def related_cards(answer: Answer) -> list[CardData]:
    """One card per provision listed under 相关条文 (retrieved, not cited)."""
    return [CardData(c.passage, tuple(pieces(c.quote))) for c in answer.related]


def card_html(card: CardData) -> str:
    """The HTML of one evidence card."""
    p = card.passage
    part = f"（第{p.part + 1}/{p.parts}部分）" if p.parts > 1 else ""
    link = browse_link(p.doc_id, p.article)
    return (
        '<div class="regkb-card">'
        f'<div class="regkb-card-head"><span class="regkb-label">{html.escape(p.citation_label)}{part}</span>'
        f"{level_badge(p.level)}</div>"
        f'<div class="regkb-meta">{meta_line(p)}</div>'
        f'<div class="regkb-text">{highlight_quotes(p.text, card.quotes)}</div>'
        f'<a class="regkb-link" href="{html.escape(link)}" target="_blank">在法规浏览中打开 ↗</a>'
        "</div>"
    )


def maybe_related(hits: Sequence[Hit], limit: int = 5) -> list[tuple[str, str]]:
    """(label, browse link) of the nearest distinct articles, for a refusal's 可能相关 list."""
    seen: set[tuple[str, str]] = set()
    out = []
    for hit in hits:
        p = hit.passage
        key = (p.doc_id, p.article)
        if key in seen:
            continue
        seen.add(key)
        out.append((p.citation_label, browse_link(p.doc_id, p.article)))
        if len(out) == limit:
            break
    return out


def related_markdown(items: Iterable[tuple[str, str]]) -> str:
    """A Markdown bullet list of links."""
    return "\n".join(f"- [{label}]({link})" for label, link in items)
