"""Extractive answers: the most relevant sentences of the top passages, quoted verbatim and cited."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import groupby

from regkb.types import Citation, Hit, Passage, level_rank

REFUSAL = "知识库中没有找到依据。"
_SENTENCE = re.compile(r"[^。；！？\n]+[。；！？]?")
_PUNCT = re.compile(r"[\s\W_]+")
CRIMINAL_MARK = "⚠ 涉及刑事责任：证据中包含刑事法律规定，请特别注意。"


def bigrams(text: str) -> set[str]:
    clean = _PUNCT.sub("", text)
    return {clean[i : i + 2] for i in range(len(clean) - 1)}


def sentences(text: str) -> list[str]:
    return [m.group(0).strip() for m in _SENTENCE.finditer(text) if m.group(0).strip()]


def best_quote(passage: Passage, query_terms: str, max_chars: int = 160) -> str:
    """The passage's most relevant window of up to two consecutive sentences, verbatim."""
    body = passage.text
    if len(body) <= max_chars:
        return body
    sents = sentences(body)
    wanted = bigrams(query_terms)
    best, best_score = sents[0], -1.0
    for i, sent in enumerate(sents):
        for window in (sent, _join(body, sents[i : i + 2])):
            if window is None or len(window) > max_chars * 1.5:
                continue
            score = len(bigrams(window) & wanted) / (1 + len(window) / 400)
            if score > best_score:
                best, best_score = window, score
    return best


def _join(body: str, sents: Sequence[str]) -> str | None:
    """Two consecutive sentences as the verbatim span of body that holds them."""
    if len(sents) < 2:
        return None
    start = body.find(sents[0])
    end = body.find(sents[1], start + len(sents[0]))
    if start < 0 or end < 0:
        return None
    span = body[start : end + len(sents[1])]
    return None if "\n" in span else span  # a quote never straddles two paragraphs


def is_criminal(passage: Passage) -> bool:
    return passage.short_title == "刑法" or "刑事" in passage.title


def compose(evidence: Sequence[Hit], query_terms: str, lookup: bool) -> tuple[str, tuple[Citation, ...]]:
    """The answer text and its citations, grouped by document in hierarchy order."""
    cites: list[Citation] = []
    for hit in evidence:
        quote = (
            hit.passage.text
            if lookup and len(hit.passage.text) <= 600
            else best_quote(hit.passage, query_terms)
        )
        cites.append(Citation(hit.passage, quote))
    ordered = sorted(cites, key=lambda c: (level_rank(c.passage.level), _first_rank(cites, c.passage.doc_id)))
    labels = "、".join(dict.fromkeys(c.label for c in cites))
    lines = [f"依据{labels}{'等' if len(cites) > 1 else ''}规定："]
    if any(is_criminal(c.passage) for c in cites):
        lines.append(CRIMINAL_MARK)
    for (_doc, level), group in groupby(ordered, key=lambda c: (c.passage.doc_id, c.passage.level)):
        items = list(group)
        lines.append(f"\n【{level}】{items[0].passage.title}")
        lines.extend(f"- {c.label}：“{_indented(c.quote)}”" for c in items)
    return "\n".join(lines), tuple(ordered)


def _indented(quote: str) -> str:
    """Keep a multi-paragraph quote inside its Markdown list item (whitespace only changes)."""
    return "\n  ".join(line for line in quote.split("\n") if line.strip())


def _first_rank(cites: Sequence[Citation], doc_id: str) -> int:
    return next(i for i, c in enumerate(cites) if c.passage.doc_id == doc_id)


def refusal_text(nearest: Sequence[Hit], reason: str = "") -> str:
    lines = [REFUSAL + (f"（{reason}）" if reason else "")]
    if nearest:
        lines.append("可能相关（仅供参考，并非依据）：")
        lines.extend(f"- {hit.passage.citation_label}" for hit in nearest)
    return "\n".join(lines)
